; Outrider tags for Go. Adapted from tree-sitter-go's queries/tags.scm (MIT), without its
; doc-comment directives. Convention: @name is the identifier, @definition.<kind> /
; @reference.<kind> the whole node. When two patterns tag the same name, the earlier one wins.

(function_declaration
  name: (identifier) @name) @definition.function

(method_declaration
  name: (field_identifier) @name) @definition.method

(type_declaration
  (type_spec
    name: (type_identifier) @name
    type: (interface_type)) @definition.interface)

(type_declaration
  (type_spec
    name: (type_identifier) @name
    type: (struct_type)) @definition.class)

(type_spec
  name: (type_identifier) @name) @definition.type

(type_alias
  name: (type_identifier) @name) @definition.type

(method_elem
  name: (field_identifier) @name) @definition.method

(source_file
  (const_declaration
    (const_spec
      name: (identifier) @name) @definition.constant))

(source_file
  (var_declaration
    (var_spec
      name: (identifier) @name) @definition.variable))

(package_clause
  (package_identifier) @name) @definition.module

; references

(call_expression
  function: [
    (identifier) @name
    (parenthesized_expression (identifier) @name)
    (selector_expression field: (field_identifier) @name)
    (parenthesized_expression (selector_expression field: (field_identifier) @name))
  ]) @reference.call

(composite_literal
  type: [
    (type_identifier) @name
    (qualified_type name: (type_identifier) @name)
  ]) @reference.class

(qualified_type
  name: (type_identifier) @name) @reference.type

((type_identifier) @name @reference.type
  (#not-match? @name "^(bool|byte|complex64|complex128|error|float32|float64|u?int(8|16|32|64)?|rune|string|uintptr|any|comparable)$"))

(import_spec
  path: (interpreted_string_literal) @name) @reference.module
