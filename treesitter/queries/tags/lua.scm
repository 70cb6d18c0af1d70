(function_statement name: (identifier) @name) @definition.function
(function_statement name: (function_name (identifier) @name .)) @definition.function
