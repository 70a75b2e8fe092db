"""Import statements to bindings and modules to workspace paths (context/packing/imports.py)."""

from __future__ import annotations

from context.packing.imports import STAR, Binding, import_bindings, resolve_module

PATHS = frozenset(
    {
        "src/app/__init__.py",
        "src/app/models.py",
        "src/app/sub/views.py",
        "web/src/cart.ts",
        "web/src/lib/index.ts",
        "pkg/store/store.go",
        "pkg/store/item.go",
        "crate/src/net/client.rs",
        "crate/src/main.rs",
        "java/src/com/shop/Cart.java",
    }
)


def test_python_forms() -> None:
    found = import_bindings(
        "python",
        [
            "import os.path",
            "import numpy as np",
            "from ..models import User as U, Base",
            "from . import views",
            "from x import *",
        ],
    )
    assert Binding("os", "os", None) in found and Binding("os.path", "os.path", None) in found
    assert Binding("np", "numpy", None) in found
    assert Binding("U", "models", "User", 2) in found and Binding("Base", "models", "Base", 2) in found
    assert Binding("views", "", "views", 1) in found
    assert Binding(STAR, "x", "*", 0) in found


def test_python_modules_resolve_relative_and_absolute() -> None:
    relative = Binding("U", "models", "User", 2)
    assert resolve_module("python", relative, "src/app/sub/views.py", PATHS) == "src/app/models.py"
    absolute = Binding("User", "app.models", "User")
    assert resolve_module("python", absolute, "src/app/sub/views.py", PATHS) == "src/app/models.py"
    package = Binding("app", "app", None)
    assert resolve_module("python", package, "src/app/models.py", PATHS) == "src/app/__init__.py"
    assert resolve_module("python", Binding("os", "os", None), "src/app/models.py", PATHS) is None


def test_javascript_and_typescript_forms() -> None:
    found = import_bindings(
        "typescript", ["import Cart, { total as sum, type Item } from './cart';", "import * as lib from './lib';"]
    )
    assert Binding("Cart", "./cart", "default") in found
    assert Binding("sum", "./cart", "total") in found
    assert Binding("lib", "./lib", None) in found
    assert resolve_module("typescript", Binding("sum", "./cart", "total"), "web/src/app.ts", PATHS) == "web/src/cart.ts"
    assert (
        resolve_module("typescript", Binding("lib", "./lib", None), "web/src/app.ts", PATHS) == "web/src/lib/index.ts"
    )


def test_go_rust_java_forms() -> None:
    (go,) = import_bindings("go", ['import st "example.com/shop/pkg/store"'])
    assert go == Binding("st", "example.com/shop/pkg/store", None)
    assert resolve_module("go", go, "cmd/main.go", PATHS) in ("pkg/store/item.go", "pkg/store/store.go")
    rust = import_bindings("rust", ["use crate::net::client::{Client, connect as dial};"])
    assert (
        Binding("Client", "crate::net::client", "Client") in rust
        and Binding("dial", "crate::net::client", "connect") in rust
    )
    assert resolve_module("rust", rust[0], "crate/src/main.rs", PATHS) == "crate/src/net/client.rs"
    (java,) = import_bindings("java", ["import com.shop.Cart;"])
    assert java == Binding("Cart", "com.shop", "Cart")
    assert resolve_module("java", java, "java/src/com/shop/Main.java", PATHS) == "java/src/com/shop/Cart.java"
