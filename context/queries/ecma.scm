; Outrider tags shared by JavaScript, TypeScript and TSX (not a language of its own: each of
; javascript.scm and typescript.scm starts with "; inherits: ecma").
; Adapted from tree-sitter-javascript's queries/tags.scm (MIT), without its doc-comment directives.
; Convention: @name is the identifier, @definition.<kind> / @reference.<kind> the whole node.
; When two patterns tag the same name, the earlier pattern wins.

((method_definition
  name: [(property_identifier) (private_property_identifier)] @name) @definition.method
  (#not-eq? @name "constructor"))

[
  (class
    name: (_) @name)
  (class_declaration
    name: (_) @name)
] @definition.class

[
  (function_expression
    name: (identifier) @name)
  (function_declaration
    name: (identifier) @name)
  (generator_function
    name: (identifier) @name)
  (generator_function_declaration
    name: (identifier) @name)
] @definition.function

(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)

(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)

(assignment_expression
  left: [
    (identifier) @name
    (member_expression
      property: (property_identifier) @name)
  ]
  right: [(arrow_function) (function_expression)]) @definition.function

(pair
  key: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function

((program
  (export_statement
    declaration: (lexical_declaration
      (variable_declarator
        name: (identifier) @name) @definition.constant)))
  (#match? @name "^[A-Z][A-Z0-9_]*$"))

((program
  (lexical_declaration
    (variable_declarator
      name: (identifier) @name) @definition.constant))
  (#match? @name "^[A-Z][A-Z0-9_]*$"))

(program
  (export_statement
    declaration: (lexical_declaration
      (variable_declarator
        name: (identifier) @name) @definition.variable)))

(program
  (lexical_declaration
    (variable_declarator
      name: (identifier) @name) @definition.variable))

; references

((call_expression
  function: (identifier) @name) @reference.call
  (#not-match? @name "^(require)$"))

(call_expression
  function: (member_expression
    property: [(property_identifier) (private_property_identifier)] @name)) @reference.call

(new_expression
  constructor: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]) @reference.class

(import_statement
  source: (string) @name) @reference.module

((call_expression
  function: (identifier) @_require
  arguments: (arguments (string) @name)) @reference.module
  (#eq? @_require "require"))

(import_specifier
  name: (identifier) @name) @reference.import

(import_clause
  (identifier) @name) @reference.import
