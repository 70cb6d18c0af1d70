(import_statement source: (string (string_fragment) @import.path)) @import

(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(function_signature name: (identifier) @name) @definition.function
(class_declaration name: (type_identifier) @name) @definition.class
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.type
(internal_module name: (identifier) @name) @definition.module

(method_definition name: (_) @name) @definition.method
(abstract_method_signature name: (_) @name) @definition.method
(method_signature name: (_) @name) @definition.method
(public_field_definition name: (_) @name) @definition.field
(property_signature name: (_) @name) @definition.field
(enum_body name: (property_identifier) @name @definition.constant)

(program (lexical_declaration (variable_declarator name: (identifier) @name) @definition.var))
(program (variable_declaration (variable_declarator name: (identifier) @name) @definition.var))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name) @definition.var)))
(program (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @name) @definition.var)))
