; inherits: ecma
; Outrider tags for JavaScript: everything in ecma.scm, plus what only the JavaScript grammar has.

(class_heritage
  [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]) @reference.class
