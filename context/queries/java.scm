; Outrider tags for Java. Adapted from tree-sitter-java's queries/tags.scm (MIT).
; Convention: @name is the identifier, @definition.<kind> / @reference.<kind> the whole node.
; When two patterns tag the same name, the earlier one wins.

(class_declaration
  name: (identifier) @name) @definition.class

(record_declaration
  name: (identifier) @name) @definition.class

(interface_declaration
  name: (identifier) @name) @definition.interface

(annotation_type_declaration
  name: (identifier) @name) @definition.interface

(enum_declaration
  name: (identifier) @name) @definition.enum

(method_declaration
  name: (identifier) @name) @definition.method

(constructor_declaration
  name: (identifier) @name) @definition.method

((field_declaration
  (modifiers "static" "final")
  declarator: (variable_declarator
    name: (identifier) @name)) @definition.constant)

(field_declaration
  declarator: (variable_declarator
    name: (identifier) @name)) @definition.field

(package_declaration
  [
    (identifier) @name
    (scoped_identifier) @name
  ]) @definition.module

; references

(method_invocation
  name: (identifier) @name) @reference.call

(object_creation_expression
  type: [
    (type_identifier) @name
    (generic_type (type_identifier) @name)
    (scoped_type_identifier (type_identifier) @name .)
  ]) @reference.class

(superclass
  [
    (type_identifier) @name
    (generic_type (type_identifier) @name)
  ]) @reference.class

(super_interfaces
  (type_list
    [
      (type_identifier) @name
      (generic_type (type_identifier) @name)
    ])) @reference.implementation

(extends_interfaces
  (type_list
    [
      (type_identifier) @name
      (generic_type (type_identifier) @name)
    ])) @reference.interface

(import_declaration
  (scoped_identifier) @name) @reference.module

(marker_annotation
  name: (identifier) @name) @reference.annotation

(annotation
  name: (identifier) @name) @reference.annotation

(type_identifier) @name @reference.type
