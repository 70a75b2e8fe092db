; Outrider tags for Python. Adapted from tree-sitter-python's queries/tags.scm (MIT).
; Convention: @name is the identifier, @definition.<kind> / @reference.<kind> the whole node.
; When two patterns tag the same name, the earlier pattern wins (so methods come before functions).

(class_definition
  name: (identifier) @name) @definition.class

(class_definition
  body: (block
    (function_definition
      name: (identifier) @name) @definition.method))

(class_definition
  body: (block
    (decorated_definition
      definition: (function_definition
        name: (identifier) @name) @definition.method)))

(function_definition
  name: (identifier) @name) @definition.function

((module
  (expression_statement
    (assignment
      left: (identifier) @name) @definition.constant))
  (#match? @name "^[A-Z][A-Z0-9_]*$"))

(module
  (expression_statement
    (assignment
      left: (identifier) @name) @definition.variable))

; references

(call
  function: [
    (identifier) @name
    (attribute
      attribute: (identifier) @name)
  ]) @reference.call

(class_definition
  superclasses: (argument_list
    [
      (identifier) @name
      (attribute attribute: (identifier) @name)
    ] @reference.class))

(type
  (identifier) @name) @reference.type

(type
  (generic_type
    (identifier) @name)) @reference.type

(type
  (generic_type
    (type_parameter
      (type
        (identifier) @name)))) @reference.type

(import_statement
  name: [
    (dotted_name) @name
    (aliased_import name: (dotted_name) @name)
  ]) @reference.module

(import_from_statement
  module_name: [
    (dotted_name) @name
    (relative_import) @name
  ]) @reference.module

(import_from_statement
  name: [
    (dotted_name) @name
    (aliased_import name: (dotted_name) @name)
  ]) @reference.import

(decorator
  [
    (identifier) @name
    (attribute attribute: (identifier) @name)
    (call function: (identifier) @name)
  ]) @reference.decorator
