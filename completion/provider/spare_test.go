package provider

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// dialLog is a dial function that notes the local address of every
// connection it makes.
type dialLog struct {
	mu    sync.Mutex
	addrs []string
	tries int
}

func (l *dialLog) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	l.mu.Lock()
	l.tries++
	l.mu.Unlock()
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err == nil {
		l.mu.Lock()
		l.addrs = append(l.addrs, c.LocalAddr().String())
		l.mu.Unlock()
	}
	return c, err
}

func (l *dialLog) made() ([]string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.addrs...), l.tries
}

// spareRig is a provider whose transport dials through a spareDialer
// over log, against an endless model server that notes each request's
// remote address and counts the connections it accepts.
type spareRig struct {
	prov Provider
	d    *spareDialer
	log  *dialLog
	hs   *httptest.Server

	mu       sync.Mutex
	remotes  []string
	accepted int
}

func spareSetup(t *testing.T, maxAge time.Duration) *spareRig {
	t.Helper()
	fake := providertest.NewFake(func(providertest.Recorded) providertest.Reply {
		return providertest.Reply{Fault: providertest.Endless, Delay: time.Millisecond}
	})
	r := &spareRig{log: &dialLog{}}
	r.hs = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.remotes = append(r.remotes, req.RemoteAddr)
		r.mu.Unlock()
		fake.ServeHTTP(w, req)
	}))
	// httptest keeps this hook and calls it besides its own.
	r.hs.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.mu.Lock()
			r.accepted++
			r.mu.Unlock()
		}
	}
	r.hs.Start()
	r.d = newSpareDialer(r.log.dial, maxAge)
	tr := &http.Transport{DialContext: r.d.DialContext}
	t.Cleanup(func() {
		fake.Close()
		r.d.closeAll()
		tr.CloseIdleConnections()
		r.hs.Close()
	})
	r.prov = mustNew(t, Config{Kind: "openai", Endpoint: r.hs.URL, Model: "m"})
	r.prov.(*completions).http.next = &http.Client{Transport: tr}
	return r
}

func (r *spareRig) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.remotes...)
}

func (r *spareRig) serverAccepted() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.accepted
}

// cancelAfterFirst streams until the first piece, then cancels, as the
// next keystroke does.
func cancelAfterFirst(t *testing.T, prov Provider) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := prov.Complete(ctx, Prompt{Prefix: "x", MaxTokens: 1 << 20}, func(string) bool {
		cancel()
		return true
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled stream: %v", err)
	}
}

func waitSpare(t *testing.T, d *spareDialer) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		d.mu.Lock()
		ready := false
		for _, s := range d.spares {
			ready = ready || s.c != nil
		}
		d.mu.Unlock()
		if ready {
			return
		}
	}
	t.Fatal("no spare connection was dialed")
}

// TestSpareAfterCancel: a cancelled stream takes its connection with it;
// the next request goes out on the connection dialed ahead meanwhile.
func TestSpareAfterCancel(t *testing.T) {
	r := spareSetup(t, time.Minute)
	cancelAfterFirst(t, r.prov)
	waitSpare(t, r.d)
	addrs, _ := r.log.made()
	if len(addrs) != 2 {
		t.Fatalf("%d connections after the first request, want it and a spare", len(addrs))
	}
	cancelAfterFirst(t, r.prov)
	got := r.requests()
	if len(got) != 2 || got[0] != addrs[0] || got[1] != addrs[1] {
		t.Fatalf("requests came from %v; dialed %v: the second should use the spare", got, addrs)
	}
}

// TestSpareClosedByServer: a spare the server has closed meanwhile (its
// idle timeout) is not used; the request dials and succeeds.
func TestSpareClosedByServer(t *testing.T) {
	r := spareSetup(t, time.Minute)
	cancelAfterFirst(t, r.prov)
	waitSpare(t, r.d)
	// The spare is connected on the client's side before the server has
	// accepted it, and a connection not yet accepted escapes the close.
	for deadline := time.Now().Add(5 * time.Second); r.serverAccepted() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server accepted %d connections, want 2", r.serverAccepted())
		}
	}
	r.hs.CloseClientConnections()
	time.Sleep(20 * time.Millisecond) // the close reaches the client's socket
	cancelAfterFirst(t, r.prov)
	addrs, _ := r.log.made()
	got := r.requests()
	if len(got) != 2 || len(addrs) < 3 || got[1] != addrs[2] {
		t.Fatalf("requests came from %v; dialed %v: the second should dial anew", got, addrs)
	}
}

// TestSpareExpires: a spare nobody takes is closed after its age, and
// nothing is dialed in its place until a request dials again.
func TestSpareExpires(t *testing.T) {
	r := spareSetup(t, 30*time.Millisecond)
	cancelAfterFirst(t, r.prov)
	waitSpare(t, r.d)
	time.Sleep(100 * time.Millisecond)
	r.d.mu.Lock()
	n := len(r.d.spares)
	r.d.mu.Unlock()
	if _, tries := r.log.made(); n != 0 || tries != 2 {
		t.Fatalf("%d spares kept, %d dials; want 0 and 2", n, tries)
	}
}

// TestNoSpareForDeadEndpoint: a refused dial makes no background dials.
func TestNoSpareForDeadEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	log := &dialLog{}
	d := newSpareDialer(log.dial, time.Minute)
	for range 3 {
		if _, err := d.DialContext(context.Background(), "tcp", addr); err == nil {
			t.Fatal("dialed a closed port")
		}
	}
	time.Sleep(20 * time.Millisecond)
	if _, tries := log.made(); tries != 3 {
		t.Fatalf("%d dials for 3 refused requests", tries)
	}
}
