(import_statement source: (string (string_fragment) @import.path)) @import

(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(class_declaration name: (identifier) @name) @definition.class
(method_definition name: (_) @name) @definition.method
(field_definition property: (_) @name) @definition.field

(program (lexical_declaration (variable_declarator name: (identifier) @name) @definition.var))
(program (variable_declaration (variable_declarator name: (identifier) @name) @definition.var))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name) @definition.var)))
(program (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @name) @definition.var)))
