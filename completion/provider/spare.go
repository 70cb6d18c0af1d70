package provider

import (
	"context"
	"net"
	"sync"
	"time"
)

// Typing cancels most model calls before they finish, and an HTTP/1.1
// stream can only be cancelled by closing its connection (that is how the
// model server learns to stop generating). So the pool of idle connections
// is nearly always empty, and every call would wait for a new connection:
// a connect, and the server accepting it, on the request's path (about
// 0.2 ms on loopback, a round trip to a remote server). spareDialer dials
// one connection ahead per address instead: the transport's next dial takes
// the spare at once, and another spare is dialed in the background.
//
// Only the TCP connection is made ahead. TLS, when the endpoint uses it, is
// still set up by the transport on top of it, with verification as usual.

// spareMaxAge is how long a spare is kept unused. Servers close connections
// that stay silent: llama.cpp's HTTP library after 5 s, some proxies
// sooner; a spare older than this is closed rather than handed out.
const spareMaxAge = 3 * time.Second

// spareDialTimeout bounds a background dial.
const spareDialTimeout = 5 * time.Second

type spareDialer struct {
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	maxAge time.Duration

	mu     sync.Mutex
	spares map[string]*spare // by network and address
}

// spare is the connection dialed ahead for one address, or a dial of it
// in progress (c nil).
type spare struct {
	c      net.Conn
	at     time.Time
	expire *time.Timer
}

func newSpareDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error), maxAge time.Duration) *spareDialer {
	return &spareDialer{dial: dial, maxAge: maxAge, spares: map[string]*spare{}}
}

// DialContext is the transport's dialer: the spare if there is a fresh,
// live one, else a dial of its own. Either way a new spare follows, since
// a transport that dials once while typing will dial again.
func (d *spareDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if c := d.take(network, addr); c != nil {
		d.refill(network, addr)
		return c, nil
	}
	c, err := d.dial(ctx, network, addr)
	if err != nil {
		// A dead endpoint gets no spare: nothing is dialed in the
		// background that the request did not dial itself.
		return nil, err
	}
	d.refill(network, addr)
	return c, nil
}

// take removes and returns the spare for addr, if it is fresh and the
// server has not closed it.
func (d *spareDialer) take(network, addr string) net.Conn {
	k := network + " " + addr
	d.mu.Lock()
	s := d.spares[k]
	if s == nil || s.c == nil {
		d.mu.Unlock()
		return nil
	}
	delete(d.spares, k)
	d.mu.Unlock()
	s.expire.Stop()
	if time.Since(s.at) > d.maxAge || !alive(s.c) {
		s.c.Close()
		return nil
	}
	return s.c
}

// refill dials a spare for addr in the background unless there is one
// already, or one being dialed.
func (d *spareDialer) refill(network, addr string) {
	k := network + " " + addr
	d.mu.Lock()
	if d.spares[k] != nil {
		d.mu.Unlock()
		return
	}
	s := &spare{}
	d.spares[k] = s
	d.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), spareDialTimeout)
		defer cancel()
		c, err := d.dial(ctx, network, addr)
		d.mu.Lock()
		defer d.mu.Unlock()
		if err != nil || d.spares[k] != s {
			delete(d.spares, k)
			if c != nil {
				c.Close()
			}
			return
		}
		s.c, s.at = c, time.Now()
		s.expire = time.AfterFunc(d.maxAge, func() {
			d.mu.Lock()
			mine := d.spares[k] == s
			if mine {
				delete(d.spares, k)
			}
			d.mu.Unlock()
			if mine {
				c.Close()
			}
		})
	}()
}

// closeAll closes every spare (tests, before looking for leaks).
func (d *spareDialer) closeAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, s := range d.spares {
		if s.c != nil {
			s.expire.Stop()
			s.c.Close()
		}
		delete(d.spares, k)
	}
}
