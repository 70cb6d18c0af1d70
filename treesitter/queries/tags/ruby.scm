(call method: (identifier) @_req arguments: (argument_list (string (string_content) @import.path))
  (#match? @_req "^require(_relative)?$")) @import

(class name: [(constant) (scope_resolution)] @name) @definition.class
(module name: [(constant) (scope_resolution)] @name) @definition.module
(method name: (_) @name) @definition.method
(singleton_method name: (_) @name) @definition.method
(assignment left: (constant) @name) @definition.constant
