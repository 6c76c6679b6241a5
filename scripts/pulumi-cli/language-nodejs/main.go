// Command pulumi-language-nodejs is deskfleet's own small language host for
// Node.js Pulumi programs and policy packs.
//
// Why it exists: upstream's language host lives in the Go module
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, which the
// module proxy available to us does not serve. The CLI itself builds fine, so
// we provide the subset of the LanguageRuntime service that deskfleet needs:
// running a precompiled program (Run), running a policy pack or a Node plugin
// (RunPlugin), `pulumi install` (InstallDependencies) and `pulumi about`.
// Everything else answers codes.Unimplemented, which the CLI tolerates.
//
// Protocol, as the CLI (sdk/go/common/resource/plugin) drives it:
//   - it starts us as `pulumi-language-nodejs [--logtostderr] [-v=N]
//     [--tracing URL] <engineAddress>`, the engine address always last;
//   - we serve gRPC on 127.0.0.1 and print the chosen port on the first line
//     of stdout; everything we print afterwards is shown to the user;
//   - it stops us by sending SIGINT to our process group, then SIGKILL after
//     five seconds.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// healthInterval is how often we ask the engine whether it is still alive. The
// CLI normally stops us itself; this only matters if the CLI dies without doing
// so, and then we should not linger for long.
const healthInterval = 10 * time.Second

func main() {
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint, passed on to node")
	// The CLI forwards these two with --logflow and logging.InitLogging reads
	// them back. glog, linked in through our dependencies, normally declares
	// them; declare them ourselves if it ever stops, or flag.Parse would fail.
	if flag.Lookup("logtostderr") == nil {
		flag.Bool("logtostderr", false, "log to stderr")
	}
	if flag.Lookup("v") == nil {
		flag.Int("v", 0, "log verbosity")
	}
	showVersion := flag.Bool("version", false, "print the plugin version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println(pluginVersion())
		return
	}
	logging.InitLogging(false, 0, false)

	var engine string
	if flag.NArg() > 0 {
		engine = flag.Arg(flag.NArg() - 1)
	}

	// ctx ends on SIGINT/SIGTERM (how the CLI stops plugins) or when the engine
	// stops answering health checks.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if engine != "" {
		if err := rpcutil.Healthcheck(ctx, engine, healthInterval, stop); err != nil {
			fatalf("could not start the engine health check: %v", err)
		}
	}

	h := newHost(engine, *tracing)
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fatalf("could not start the language host gRPC server: %v", err)
	}
	fmt.Printf("%d\n", handle.Port)

	go func() {
		<-ctx.Done()
		// Restore default signal handling so a second SIGINT kills us outright.
		stop()
		// Interrupt running node processes first: the server's graceful stop
		// waits for in-flight calls such as Run, which wait for node.
		h.shutdown()
		close(cancel)
	}()

	if err := <-handle.Done; err != nil {
		fatalf("language host gRPC server stopped: %v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: "+format+"\n", args...)
	os.Exit(1)
}

// pluginVersion reports the version stamped into the binary with
// -X .../version.Version if any, else the Pulumi SDK module version this host
// was built against (our build command does not stamp one).
func pluginVersion() string {
	if version.Version != "" {
		return version.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/pulumi/pulumi/sdk/v3" {
				return dep.Version
			}
		}
	}
	return ""
}

// host implements pulumirpc.LanguageRuntimeServer. Embedding the
// Unimplemented server makes every method we do not define answer
// codes.Unimplemented (code generation, Pack, Link, Template, ...).
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	tracing string

	mu     sync.Mutex
	engine string // engine gRPC address, from argv or from Handshake

	// shutdownCtx ends when we are stopping: every process we started is
	// interrupted then. runsCtx (a child) also ends on the Cancel RPC, which
	// concerns programs started by Run only; plugins started by RunPlugin
	// (policy packs) are stopped by the CLI ending their RunPlugin call.
	shutdownCtx context.Context
	shutdown    context.CancelFunc
	runsCtx     context.Context
	cancelRuns  context.CancelFunc
}

func newHost(engine, tracing string) *host {
	h := &host{engine: engine, tracing: tracing}
	h.shutdownCtx, h.shutdown = context.WithCancel(context.Background())
	h.runsCtx, h.cancelRuns = context.WithCancel(h.shutdownCtx)
	return h
}

func (h *host) engineAddress() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engine
}

// Handshake is only sent when the CLI attaches to an already running host
// (PULUMI_DEBUG_LANGUAGES); it is how we learn the engine address then.
func (h *host) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if addr := req.GetEngineAddress(); addr != "" {
		h.mu.Lock()
		h.engine = addr
		h.mu.Unlock()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: pluginVersion()}, nil
}

// GetRequiredPackages reports no packages. Upstream scans node_modules for
// package.json files marked `"pulumi": {"resource": true}` so that the engine
// can install provider plugins ahead of time. deskfleet's only provider is
// declared in Pulumi.yaml `plugins.providers`, and the engine still loads any
// provider on demand when the program first registers one of its resources.
func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// GetRequiredPlugins is the older form of GetRequiredPackages; same answer.
func (h *host) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// Cancel asks us to stop the program we are running: the engine sends it when
// the user interrupts an update, and before it closes us. The program's node
// process gets SIGINT.
func (h *host) Cancel(ctx context.Context, _ *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelRuns()
	return &emptypb.Empty{}, nil
}
