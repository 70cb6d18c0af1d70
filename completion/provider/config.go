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

	// FirstByteTimeout is how long to wait for the first byte of the answer
	// (the model reading the prompt); IdleTimeout how long a started stream
	// may go quiet. Zero means the defaults, 10s and 5s. A stall past either
	// is a KindTimeout error, so a hung server can't hold a request forever.
	FirstByteTimeout time.Duration
	IdleTimeout      time.Duration
	// MaxAnswerBytes caps the text of one answer (default 1 MiB); a server
	// that sends more is broken and gets a KindMalformed error.
	MaxAnswerBytes int
}
