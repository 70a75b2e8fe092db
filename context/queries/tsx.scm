; inherits: typescript
; Outrider tags for TSX: everything in typescript.scm, plus JSX components used as elements
; (capitalized names; lower-case ones are HTML elements).

((jsx_opening_element
  name: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]) @reference.component
  (#match? @name "^[A-Z]"))

((jsx_self_closing_element
  name: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]) @reference.component
  (#match? @name "^[A-Z]"))
