package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	hub "github.com/birgemiz/hub"
)

// GraphQL error codes, in extensions.code.
const (
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeNotFound        = "NOT_FOUND"
	CodeForbidden       = "FORBIDDEN"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeConflict        = "CONFLICT"
	CodeInternal        = "INTERNAL_SERVER_ERROR"

	// The limits of the public endpoint (SECURITY.md).
	CodeComplexityLimit        = "COMPLEXITY_LIMIT_EXCEEDED" // cost, depth or field count over the limit; nothing ran
	CodeRateLimited            = "RATE_LIMITED"              // too many requests; HTTP 429 with Retry-After
	CodeTimeout                = "TIMEOUT"                   // the operation ran past the server's time limit and was stopped
	CodeRequestTooLarge        = "REQUEST_TOO_LARGE"         // the body is over the size limit; HTTP 413
	CodePersistedQueryRequired = "PERSISTED_QUERY_REQUIRED"  // anonymous callers may run only persisted queries
)

func init() {
	// Refused operations never ran: answer them like validation errors
	// (422, or 400 for application/graphql-response+json), not 200.
	errcode.RegisterErrorType(CodeComplexityLimit, errcode.KindProtocol)
	errcode.RegisterErrorType(CodePersistedQueryRequired, errcode.KindProtocol)
}

var codes = map[string]string{
	hub.EINVALID:      CodeBadUserInput,
	hub.ENOTFOUND:     CodeNotFound,
	hub.EFORBIDDEN:    CodeForbidden,
	hub.EUNAUTHORIZED: CodeUnauthenticated,
	hub.ECONFLICT:     CodeConflict,
}

// errorPresenter maps hub errors to extensions.code and hides everything
// else behind "internal error", logging it in full for operators.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var hubErr *hub.Error
		var timeout errQueryTimeout
		switch {
		case isResolverError(err) && (errors.As(context.Cause(ctx), &timeout) || errors.As(err, &timeout)):
			// The deadline of withTimeout passed: whatever failed, failed
			// because its context was cancelled.
			gqlErr.Message = timeout.Error()
			setCode(gqlErr, CodeTimeout)
		case isResolverError(err) && errors.Is(err, context.Canceled) && ctx.Err() != nil:
			// The client went away mid-request: nobody reads this, and it
			// is not the hub's failure, so it is no error in the logs.
			log.DebugContext(ctx, "graphql client went away", "path", gqlErr.Path.String())
			gqlErr.Message = "the request was cancelled"
			setCode(gqlErr, CodeInternal)
		case errors.As(err, &hubErr):
			gqlErr.Message = hubErr.Message
			setCode(gqlErr, codes[hubErr.Code])
		case errors.As(err, new(hub.FieldErrors)):
			gqlErr.Message = hub.ErrorMessage(err)
			setCode(gqlErr, CodeBadUserInput)
		case isResolverError(err):
			// An error from our code that is not a hub error: a bug or an
			// outage. Never show its text (it may hold SQL or internals).
			log.ErrorContext(ctx, "graphql resolver failed", "path", gqlErr.Path.String(), "err", err)
			gqlErr.Message = "internal error"
			setCode(gqlErr, CodeInternal)
		default:
			// gqlgen's own errors: parse, validation, argument coercion.
			// Their messages are written for callers, except that the
			// POST transport's decoding error quotes the whole body
			// (limitRequest answers those first; this is a second guard).
			if msg, _, cut := strings.Cut(gqlErr.Message, " body:"); cut && strings.HasPrefix(msg, "json request body could not be decoded") {
				gqlErr.Message = msg
			}
			if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
				setCode(gqlErr, CodeBadUserInput)
			}
		}
		return gqlErr
	}
}

// isResolverError tells an error returned by a resolver, loader or scalar
// (gqlgen keeps it as the cause) from gqlgen's own parse and validation
// errors, which have none and are written for callers.
func isResolverError(err error) bool {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) {
		return gqlErr.Err != nil
	}
	return true
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

// recoverFunc turns a panic in a resolver into an internal error, logged
// with its stack.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql resolver panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errors.New("internal error")
	}
}
