(import_statement name: (dotted_name) @import.path) @import
(import_statement name: (aliased_import name: (dotted_name) @import.path alias: (identifier) @import.name)) @import
(import_from_statement module_name: (_) @import.path) @import
(import_from_statement module_name: (_) @import.path name: (dotted_name) @import.member) @import
(import_from_statement module_name: (_) @import.path name: (aliased_import name: (dotted_name) @import.member alias: (identifier) @import.name)) @import

(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function

(module (expression_statement (assignment left: (identifier) @name) @definition.var))
(class_definition body: (block (expression_statement (assignment left: (identifier) @name) @definition.field)))
((assignment left: (attribute object: (identifier) @_self attribute: (identifier) @name)) @definition.field
  (#eq? @_self "self"))
