package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// findNodeModule looks for node_modules/<name>/<rel> in dir and its parents,
// the way Node resolves a bare module name from a file in dir (npm may hoist
// packages to a parent directory). It returns the full path of the match.
func findNodeModule(dir, name, rel string) (string, bool) {
	for d := dir; ; {
		p := filepath.Join(d, "node_modules", name, rel)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", false
		}
		d = parent
	}
}

// findSDKCommand locates @pulumi/pulumi's cmd/<command> entry script as seen
// from dir. Using the program's own copy keeps the Node runtime in step with
// the @pulumi/pulumi version the program was written against.
func findSDKCommand(dir, command string) (string, error) {
	rel := filepath.Join("cmd", command, "index.js")
	if p, ok := findNodeModule(dir, "@pulumi/pulumi", rel); ok {
		return p, nil
	}
	return "", fmt.Errorf("@pulumi/pulumi/%s was not found in node_modules of %s or its parents",
		filepath.ToSlash(rel), dir)
}

// configEnv serialises stack configuration for PULUMI_CONFIG (a JSON object
// keyed "<namespace>:<name>") and PULUMI_CONFIG_SECRET_KEYS (a JSON array of
// those keys), as @pulumi/pulumi's runtime/config.js reads them.
func configEnv(config map[string]string, secretKeys []string) (string, string, error) {
	if config == nil {
		config = map[string]string{}
	}
	if secretKeys == nil {
		secretKeys = []string{}
	}
	c, err := json.Marshal(config)
	if err != nil {
		return "", "", fmt.Errorf("serialising configuration: %w", err)
	}
	s, err := json.Marshal(secretKeys)
	if err != nil {
		return "", "", fmt.Errorf("serialising secret configuration keys: %w", err)
	}
	return string(c), string(s), nil
}

// About reports the node executable and its version for `pulumi about`.
func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on $PATH: %w", err)
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", node, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// packageJSON is the part of a package.json we read.
type packageJSON struct {
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pkg packageJSON
	if err := json.Unmarshal(b, &pkg); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &pkg, nil
}

// GetProgramDependencies lists the program's direct dependencies (those in its
// package.json) with the version installed in node_modules, or the declared
// range when not installed. It is shown by `pulumi about`. Transitive
// dependencies are not listed even when asked for.
func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	pkg, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return &pulumirpc.GetProgramDependenciesResponse{}, nil
	} else if err != nil {
		return nil, err
	}

	declared := map[string]string{}
	for name, r := range pkg.DevDependencies {
		declared[name] = r
	}
	for name, r := range pkg.Dependencies {
		declared[name] = r
	}
	names := make([]string, 0, len(declared))
	for name := range declared {
		names = append(names, name)
	}
	slices.Sort(names)

	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, name := range names {
		version := declared[name]
		if p, ok := findNodeModule(dir, name, "package.json"); ok {
			if installed, err := readPackageJSON(p); err == nil && installed.Version != "" {
				version = installed.Version
			}
		}
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: name, Version: version})
	}
	return resp, nil
}

// InstallDependencies is `pulumi install` (and installs for policy packs and
// plugins): `npm install` in the program directory, its output streamed to
// the CLI. deskfleet uses npm only; upstream also handles yarn, pnpm, bun and
// npm workspaces.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	if _, err := parseOptions(req.GetInfo().GetOptions()); err != nil {
		return err
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("could not find npm on $PATH: %w", err)
	}
	fmt.Fprintf(stdout, "Installing dependencies in %s...\n\n", dir)
	cmd, done := h.command(server.Context(), h.shutdownCtx, npm, "install")
	defer done()
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install in %s failed: %w", dir, err)
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}
