package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	hub "github.com/birgemiz/hub"
)

// runKeys manages API keys. It needs only the database, so an operator
// on the server bootstraps the first admin key with `hub keys create`.
func (m *Main) runKeys(ctx context.Context, args []string) error {
	usage := errors.New("usage: hub keys create NAME --role ROLE [--source NAME] | hub keys list | hub keys revoke NAME")
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "create":
		return m.runKeysCreate(ctx, args[1:])
	case "list":
		if len(args) != 1 {
			return errors.New("usage: hub keys list")
		}
		return m.runKeysList(ctx)
	case "revoke":
		if len(args) != 2 {
			return errors.New("usage: hub keys revoke NAME")
		}
		if err := m.openDB(ctx); err != nil {
			return err
		}
		k, err := m.Services.Keys.RevokeKey(ctx, args[1])
		if err != nil {
			return errors.New(hub.ErrorMessage(err))
		}
		fmt.Fprintf(m.Stdout, "key %s (%s) revoked; requests with its token are refused from now on\n", k.Name, k.Role)
		return nil
	}
	return usage
}

func (m *Main) runKeysCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
	role := fs.String("role", "", "one of researcher, dashboard, platform, admin (required)")
	source := fs.String("source", "", "the source a platform key acts for (platform keys only)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || *role == "" {
		return errors.New("usage: hub keys create NAME --role ROLE [--source NAME]")
	}
	r, err := hub.ParseRole(*role)
	if err != nil {
		return errors.New(hub.ErrorMessage(err))
	}
	switch {
	case r == hub.RolePlatform && *source == "":
		return errors.New("a platform key acts for one source: add --source NAME (`hub sources list` shows them)")
	case r != hub.RolePlatform && *source != "":
		return fmt.Errorf("--source is for platform keys only; a %s key is not bound to a source", r)
	}
	if err := m.openDB(ctx); err != nil {
		return err
	}
	k := &hub.APIKey{Name: rest[0], Role: r, Source: *source}
	token, err := m.Services.Keys.CreateKey(ctx, k)
	if err != nil {
		return errors.New(hub.ErrorMessage(err))
	}
	what := string(k.Role)
	if k.Source != "" {
		what += " for source " + k.Source
	}
	fmt.Fprintf(m.Stdout, `key %s (%s) created

  token: %s

It is shown once; the hub keeps only its hash. Send it as "Authorization: Bearer <token>".
Revoke it with `+"`hub keys revoke %s`"+`.
`, k.Name, what, token, k.Name)
	return nil
}

func (m *Main) runKeysList(ctx context.Context) error {
	if err := m.openDB(ctx); err != nil {
		return err
	}
	keys, err := m.Services.Keys.FindKeys(ctx)
	if err != nil {
		return err
	}
	ts := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tSOURCE\tPREFIX\tCREATED\tLAST USED\tREVOKED")
	for _, k := range keys {
		src := k.Source
		if src == "" {
			src = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s…\t%s\t%s\t%s\n", k.Name, k.Role, src, k.Prefix, ts(&k.CreatedAt), ts(k.LastUsedAt), ts(k.RevokedAt))
	}
	return tw.Flush()
}
