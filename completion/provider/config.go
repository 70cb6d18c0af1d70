package provider

import "time"

// Config selects and sets up a backend. The server fills it from defaults,
// environment, initializationOptions and workspace/didChangeConfiguration.
type Config struct {
	Kind        string        // "openai", "openai-chat", "llamacpp", "ollama", "local"
	Endpoint    string        // base URL, e.g. http://127.0.0.1:8080/v1
	Model       string        // model name sent to the server
	APIKey      string        // never logged
	Template    string        // FIM template name; "" picks one from Model, "none" sends suffix
	Temperature float64       // 0 is sent as a tiny positive value (go-openai drops 0)
	Timeout     time.Duration // whole-request deadline; first byte must come sooner
	Headers     map[string]string
}
