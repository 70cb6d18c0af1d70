(function_statement name: (identifier) @name) @definition.function
(function_statement name: (function_name (identifier) @name .)) @definition.function
(variable_declaration
  name: (variable_declarator (identifier) @import.name)
  value: (function_call prefix: (identifier) @_req args: (string_argument) @import.path)
  (#eq? @_req "require")) @import
(variable_declaration
  name: (variable_declarator (identifier) @import.name)
  value: (function_call prefix: (identifier) @_req args: (function_arguments . (string) @import.path))
  (#eq? @_req "require")) @import
