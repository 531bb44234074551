package chaos_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// redisServer is a private redis-server the test starts on a free port, with
// no persistence at all (--save "" --appendonly no), so that a SHUTDOWN
// NOSAVE loses every queued task: the worst a Redis restart can do. The
// shared Redis of the other packages is never touched.
type redisServer struct {
	tb   testing.TB
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedis(tb testing.TB) *redisServer {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatalf("the chaos tests start private Redis servers and need redis-server on PATH (apt-get install redis-server): %v", err)
	}
	r := &redisServer{tb: tb, bin: bin, port: freePort(tb), dir: tb.TempDir()}
	r.start()
	tb.Cleanup(func() {
		if r.cmd != nil {
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr is host:port of the server.
func (r *redisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// start starts the server (again, after a shutdown) and waits until it answers.
func (r *redisServer) start() {
	r.tb.Helper()
	log, err := os.OpenFile(filepath.Join(r.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		r.tb.Fatal(err)
	}
	r.cmd = exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning")
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		r.tb.Fatalf("start redis-server: %v", err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); log.Close(); close(done) }(r.cmd, r.done)
	c := r.client(0)
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			r.tb.Fatalf("redis-server on port %d did not answer within 10 s:\n%s", r.port, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *redisServer) client(db int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: r.Addr(), DB: db, MaxRetries: -1})
}

// asynqOpt is the asynq connection to database db of the server.
func (r *redisServer) asynqOpt(db int) asynq.RedisClientOpt {
	return asynq.RedisClientOpt{Addr: r.Addr(), DB: db}
}

// shutdownNoSave stops the server without saving: everything in it is gone.
func (r *redisServer) shutdownNoSave() {
	r.tb.Helper()
	c := r.client(0)
	defer c.Close()
	_ = c.ShutdownNoSave(context.Background()).Err() // the connection drops: no reply
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		r.tb.Fatal("redis-server did not stop after SHUTDOWN NOSAVE")
	}
	r.cmd = nil
}

// flushAll empties every database of the server, as FLUSHALL does.
func (r *redisServer) flushAll() {
	r.tb.Helper()
	c := r.client(0)
	defer c.Close()
	if err := c.FlushAll(context.Background()).Err(); err != nil {
		r.tb.Fatalf("FLUSHALL: %v", err)
	}
}

// flushDB empties database db.
func (r *redisServer) flushDB(db int) {
	r.tb.Helper()
	c := r.client(db)
	defer c.Close()
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		r.tb.Fatalf("FLUSHDB %d: %v", db, err)
	}
}

func (r *redisServer) String() string { return fmt.Sprintf("redis-server :%d", r.port) }
