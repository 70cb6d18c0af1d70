package provider

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// The shared client verifies certificates: a model server with a
// certificate nobody vouches for (self-signed, as httptest's is) is
// refused, with a message that says why.
func TestTLSVerificationOn(t *testing.T) {
	if c := sharedTransport.TLSClientConfig; c != nil && c.InsecureSkipVerify {
		t.Fatal("the shared transport skips certificate verification")
	}
	srv := httptest.NewUnstartedServer(providertest.NewFake(providertest.Fixed("1\n")))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the point
	srv.StartTLS()
	defer srv.Close()
	for _, k := range kinds {
		prov := mustNew(t, Config{Kind: k.kind, Endpoint: srv.URL + "/v1", Model: "qwen2.5-coder:1.5b"})
		err := prov.Complete(context.Background(), goPrompt, func(string) bool { return true })
		var pe *Error
		if !errors.As(err, &pe) || pe.Kind != KindUnreachable || pe.Msg != "TLS handshake failed" {
			t.Errorf("%s: self-signed server: %v", k.kind, err)
		}
	}
	sharedTransport.CloseIdleConnections()
}
