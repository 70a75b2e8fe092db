; Outrider tags for C++. Adapted from tree-sitter-cpp's queries/tags.scm (MIT).
; Convention: @name is the identifier, @definition.<kind> / @reference.<kind> the whole node.
; When two patterns tag the same name, the earlier one wins (methods before functions).

(field_declaration_list
  (function_definition
    declarator: (function_declarator
      declarator: [(field_identifier) (identifier) (destructor_name) (operator_name)] @name)) @definition.method)

(field_declaration_list
  (field_declaration
    declarator: (function_declarator
      declarator: [(field_identifier) (identifier) (destructor_name) (operator_name)] @name)) @definition.method)

(field_declaration_list
  (declaration
    declarator: (function_declarator
      declarator: [(field_identifier) (identifier) (destructor_name) (operator_name)] @name)) @definition.method)

(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier
      name: [(identifier) (destructor_name) (operator_name)] @name))) @definition.method

(function_definition
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
    (reference_declarator (function_declarator declarator: (identifier) @name))
  ]) @definition.function

(declaration
  declarator: (function_declarator
    declarator: (identifier) @name)) @definition.function

(class_specifier
  name: (type_identifier) @name
  body: (_)) @definition.class

(struct_specifier
  name: (type_identifier) @name
  body: (_)) @definition.class

(union_specifier
  name: (type_identifier) @name
  body: (_)) @definition.class

(enum_specifier
  name: (type_identifier) @name
  body: (_)) @definition.enum

(type_definition
  declarator: (type_identifier) @name) @definition.type

(alias_declaration
  name: (type_identifier) @name) @definition.type

(namespace_definition
  name: [(namespace_identifier) (nested_namespace_specifier)] @name) @definition.module

(concept_definition
  name: (identifier) @name) @definition.interface

((declaration
  (type_qualifier) @_const
  declarator: (init_declarator
    declarator: (identifier) @name)) @definition.constant
  (#any-of? @_const "const" "constexpr"))

(preproc_def
  name: (identifier) @name) @definition.constant

(preproc_function_def
  name: (identifier) @name) @definition.macro

; references

(call_expression
  function: [
    (identifier) @name
    (field_expression field: (field_identifier) @name)
    (qualified_identifier name: (identifier) @name)
    (template_function name: (identifier) @name)
    (qualified_identifier name: (template_function name: (identifier) @name))
  ]) @reference.call

(base_class_clause
  [
    (type_identifier) @name
    (qualified_identifier name: (type_identifier) @name)
  ]) @reference.class

(new_expression
  type: (type_identifier) @name) @reference.class

(preproc_include
  path: [
    (string_literal) @name
    (system_lib_string) @name
  ]) @reference.module

(type_identifier) @name @reference.type
