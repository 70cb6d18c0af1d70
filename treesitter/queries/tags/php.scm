(namespace_use_clause (qualified_name) @import.path) @import

(class_declaration name: (name) @name) @definition.class
(interface_declaration name: (name) @name) @definition.interface
(trait_declaration name: (name) @name) @definition.interface
(function_definition name: (name) @name) @definition.function
(method_declaration name: (name) @name) @definition.method
(property_element (variable_name (name) @name)) @definition.field
(const_element (name) @name) @definition.constant
