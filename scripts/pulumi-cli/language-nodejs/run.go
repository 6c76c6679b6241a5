package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/google/shlex"
	"google.golang.org/protobuf/types/known/structpb"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// bailExitCode is what @pulumi/pulumi's cmd/run exits with when it has already
// reported the program's error to the engine (cmd/run/index.js). We then
// answer Run with bail=true so the CLI does not print a second error.
const bailExitCode = 32

// nodeOptions are the Pulumi.yaml `runtime.options` this host honours.
type nodeOptions struct {
	typescript bool     // register ts-node in cmd/run; upstream's default is true
	tsconfig   string   // tsconfig path for ts-node
	nodeargs   []string // extra arguments for node itself
}

func parseOptions(s *structpb.Struct) (nodeOptions, error) {
	opts := nodeOptions{typescript: true}
	m := s.AsMap()
	if v, ok := m["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, errors.New("runtime option 'typescript' must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		str, ok := v.(string)
		if !ok {
			return opts, errors.New("runtime option 'tsconfig' must be a string")
		}
		opts.tsconfig = str
	}
	if v, ok := m["nodeargs"]; ok {
		str, ok := v.(string)
		if !ok {
			return opts, errors.New("runtime option 'nodeargs' must be a string")
		}
		args, err := shlex.Split(str)
		if err != nil {
			return opts, fmt.Errorf("runtime option 'nodeargs': %w", err)
		}
		opts.nodeargs = args
	}
	// Only npm is implemented (see InstallDependencies); refuse the others
	// rather than silently using npm on a yarn or pnpm project.
	if v, ok := m["packagemanager"]; ok && v != "npm" && v != "auto" {
		return opts, fmt.Errorf("runtime option packagemanager=%v is not supported by this language host "+
			"(deskfleet's scripts/pulumi-cli/language-nodejs); only npm is", v)
	}
	return opts, nil
}

// env returns the variables through which cmd/run and cmd/run-policy-pack read
// these options.
func (o nodeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// command builds an exec.Cmd that gets SIGINT (then SIGKILL five seconds
// later) when ctx ends or when stop ends (h.runsCtx or h.shutdownCtx). The
// returned func releases the watcher on stop.
func (h *host) command(ctx, stop context.Context, name string, args ...string) (*exec.Cmd, func()) {
	ctx, cancel := context.WithCancel(ctx)
	unwatch := context.AfterFunc(stop, cancel)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	return cmd, func() { unwatch(); cancel() }
}

// Run executes the program with @pulumi/pulumi's cmd/run, which connects to
// the resource monitor itself. Its arguments and environment are the
// contract of cmd/run/index.js and runtime/config.js in @pulumi/pulumi.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	// Failures here are the program's problem, not an RPC failure: report them
	// in the response's error field so the CLI shows them as such.
	fail := func(err error) (*pulumirpc.RunResponse, error) {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "." // cmd/run then uses package.json's exports/main, else index.js
	}
	opts, err := parseOptions(info.GetOptions())
	if err != nil {
		return fail(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return fail(fmt.Errorf("could not find node on $PATH: %w", err))
	}
	runPath, err := findSDKCommand(programDir, "run")
	if err != nil {
		return fail(fmt.Errorf("%w; have you run `pulumi install` or `npm install`?", err))
	}
	configJSON, secretKeysJSON, err := configEnv(req.GetConfig(), req.GetConfigSecretKeys())
	if err != nil {
		return fail(err)
	}

	args := append(append([]string{}, opts.nodeargs...), runPath)
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engineAddress())
	flagArg("organization", req.GetOrganization())
	flagArg("project", req.GetProject())
	flagArg("root-directory", info.GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	flagArg("tracing", h.tracing)
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	cmd, done := h.command(ctx, h.runsCtx, node, args...)
	defer done()
	cmd.Dir = programDir
	cmd.Env = append(os.Environ(), opts.env()...)
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+configJSON, "PULUMI_CONFIG_SECRET_KEYS="+secretKeysJSON)
	// Our stdout/stderr are pipes the CLI reads and shows to the user. Hide
	// that they are *os.File so exec copies through its own pipes: node may
	// switch the descriptors it inherits to non-blocking mode, which would
	// then also affect our own writes.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}

	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == bailExitCode:
		return &pulumirpc.RunResponse{Bail: true}, nil
	default:
		return fail(describeExit(err))
	}
}

// describeExit turns the result of running node into a message for the user.
func describeExit(err error) error {
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fmt.Errorf("could not run node: %w", err)
	}
	if code := exitErr.ExitCode(); code > 0 {
		return fmt.Errorf("Program exited with non-zero exit code: %d", code)
	}
	return fmt.Errorf("Program exited unexpectedly: %w", exitErr) // e.g. killed by a signal
}

// RunPlugin runs a Node plugin whose directory has a PulumiPlugin.yaml or
// PulumiPolicy.yaml with `runtime: nodejs`, using the @pulumi/pulumi installed
// in that directory. For policy packs (kind "analyzer") the CLI expects what
// the old pulumi-analyzer-policy shim did: cmd/run-policy-pack, run in the
// pack's directory, with arguments <engineAddress> <packDirectory>.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	opts, err := parseOptions(info.GetOptions())
	if err != nil {
		return err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on $PATH: %w", err)
	}
	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)
	module := "run-plugin"
	if analyzer {
		module = "run-policy-pack"
	}
	runPath, err := findSDKCommand(dir, module)
	if err != nil {
		// The CLI looks for this phrase in a policy pack's output and then
		// tells the user to install the pack's dependencies.
		fmt.Fprintf(stderr, "Cannot find module '@pulumi/pulumi/cmd/%s' (from %s)\n", module, dir)
		return err
	}

	env := req.GetEnv() // the CLI sends its whole environment
	if len(env) == 0 {
		env = os.Environ()
	}
	env = append(env, opts.env()...)
	args := append(append([]string{}, opts.nodeargs...), runPath)

	cmd, done := h.command(ctx, h.shutdownCtx, node, args...)
	defer done()
	cmd.Stderr = stderr

	if !analyzer {
		cmd.Args = append(append(cmd.Args, dir), req.GetArgs()...)
		cmd.Dir = req.GetPwd()
		cmd.Env = env
		cmd.Stdout = stdout
		if err := cmd.Run(); err != nil {
			return describeExit(err)
		}
		return closer.Close()
	}

	// run-policy-pack takes only positional arguments, and minimist would
	// mistake the engine address for the value of a flag the CLI put before
	// it (--logtostderr): pass just the address, which the CLI puts last.
	var engine string
	if a := req.GetArgs(); len(a) > 0 {
		engine = a[len(a)-1]
	}
	cmd.Args = append(cmd.Args, engine, dir)
	cmd.Dir = dir

	// @pulumi/policy reads the stack's project, stack name and config from
	// the environment, while the engine sends them over gRPC
	// (Analyzer.ConfigureStack) to whatever port we announce. The SDK's
	// PolicyProxy bridges the two: it announces its own port, waits for
	// ConfigureStack, and once we have started node with that environment it
	// relays every further Analyzer call to the pack's own server.
	proxy, packStdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start the policy pack proxy: %w", err)
	}
	stack, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("waiting for the policy pack's stack configuration: %w", err)
	}
	if stack != nil {
		configJSON, secretKeysJSON, err := configEnv(stack.GetConfig(), stack.GetConfigSecretKeys())
		if err != nil {
			return err
		}
		for _, kv := range [][2]string{
			{"PULUMI_NODEJS_ORGANIZATION", stack.GetOrganization()},
			{"PULUMI_NODEJS_PROJECT", stack.GetProject()},
			{"PULUMI_NODEJS_STACK", stack.GetStack()},
			{"PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(stack.GetDryRun())},
			{"PULUMI_CONFIG", configJSON},
			{"PULUMI_CONFIG_SECRET_KEYS", secretKeysJSON},
		} {
			if kv[1] != "" { // unset rather than empty: the runtime has defaults
				env = append(env, kv[0]+"="+kv[1])
			}
		}
	}
	cmd.Env = env
	cmd.Stdout = packStdout
	if err := cmd.Start(); err != nil {
		return describeExit(err)
	}
	// Attach reads the pack's port from its stdout, relays to it, and returns
	// when node exits (it waits for cmd itself).
	if err := proxy.Attach(ctx, cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return describeExit(err)
		}
		return fmt.Errorf("policy pack %s: %w", dir, err)
	}
	return closer.Close()
}
