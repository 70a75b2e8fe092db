; Outrider tags for Rust. Adapted from tree-sitter-rust's queries/tags.scm (MIT).
; Convention: @name is the identifier, @definition.<kind> / @reference.<kind> the whole node.
; When two patterns tag the same name, the earlier one wins (methods before functions).

(struct_item
  name: (type_identifier) @name) @definition.class

(enum_item
  name: (type_identifier) @name) @definition.enum

(union_item
  name: (type_identifier) @name) @definition.class

(type_item
  name: (type_identifier) @name) @definition.type

(impl_item
  body: (declaration_list
    (function_item
      name: (identifier) @name) @definition.method))

(trait_item
  body: (declaration_list
    [
      (function_item name: (identifier) @name)
      (function_signature_item name: (identifier) @name)
    ] @definition.method))

(function_item
  name: (identifier) @name) @definition.function

(function_signature_item
  name: (identifier) @name) @definition.function

(trait_item
  name: (type_identifier) @name) @definition.interface

(mod_item
  name: (identifier) @name) @definition.module

(macro_definition
  name: (identifier) @name) @definition.macro

(const_item
  name: (identifier) @name) @definition.constant

(static_item
  name: (identifier) @name) @definition.constant

; references

(call_expression
  function: (identifier) @name) @reference.call

(call_expression
  function: (field_expression
    field: (field_identifier) @name)) @reference.call

(call_expression
  function: (scoped_identifier
    name: (identifier) @name)) @reference.call

(macro_invocation
  macro: [
    (identifier) @name
    (scoped_identifier name: (identifier) @name)
  ]) @reference.macro

(impl_item
  trait: [
    (type_identifier) @name
    (scoped_type_identifier name: (type_identifier) @name)
    (generic_type type: (type_identifier) @name)
  ]) @reference.implementation

(impl_item
  type: [
    (type_identifier) @name
    (generic_type type: (type_identifier) @name)
  ]
  !trait) @reference.implementation

(struct_expression
  name: [
    (type_identifier) @name
    (scoped_type_identifier name: (type_identifier) @name)
  ]) @reference.class

(use_declaration
  argument: [
    (scoped_identifier) @name
    (identifier) @name
    (scoped_use_list) @name
    (use_as_clause) @name
  ]) @reference.module

((type_identifier) @name @reference.type
  (#not-eq? @name "Self"))
