; Captures: @name the defined name, @definition.KIND the defining node,
; @receiver a method's receiver type, @package the package name,
; @import.path / @import.name an import and its local name.

(package_clause (package_identifier) @package)

(import_spec name: (_)? @import.name path: (_) @import.path) @import

(function_declaration name: (identifier) @name) @definition.function

(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [(type_identifier) @receiver
             (pointer_type (type_identifier) @receiver)
             (generic_type type: (type_identifier) @receiver)
             (pointer_type (generic_type type: (type_identifier) @receiver))]))
  name: (field_identifier) @name) @definition.method

(type_spec name: (type_identifier) @name) @definition.type
(type_alias name: (type_identifier) @name) @definition.type

(field_declaration name: (field_identifier) @name) @definition.field
(method_elem name: (field_identifier) @name) @definition.method

(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.var))
(source_file (var_declaration (var_spec_list (var_spec name: (identifier) @name) @definition.var)))

; Embedded types: their members are the outer type's members.
(field_declaration_list
  (field_declaration !name
    type: [(type_identifier) @name
           (qualified_type name: (type_identifier) @name)
           (pointer_type (type_identifier) @name)
           (pointer_type (qualified_type name: (type_identifier) @name))]) @definition.embed)
(interface_type
  (type_elem [(type_identifier) @name (qualified_type name: (type_identifier) @name)]) @definition.embed)
