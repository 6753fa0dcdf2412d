package testserver

import (
	"encoding/json"
	"fmt"
	"net/http"
)

const contentJSON = "application/json"

// RateLimitDocsURL is the page the 429 body links to, as the real API does.
const RateLimitDocsURL = "https://docs.vessl.ai/api-reference/rate-limits"

// FieldError is one entry of an error body's "fields".
type FieldError struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

// ErrorBody is the VESSL error body.
type ErrorBody struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

func replyJSON(status int, v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		return replyError(http.StatusInternalServerError, "InternalError", "testserver: "+err.Error(), nil)
	}
	return reply{status: status, body: b}
}

func replyError(status int, code, msg string, fields []FieldError) reply {
	b, _ := json.Marshal(ErrorBody{Code: code, Message: msg, Fields: fields})
	return reply{status: status, body: b}
}

func replyTooManyRequests() reply {
	return replyError(http.StatusTooManyRequests, "TooManyRequests",
		"Request was throttled: rate limit exceeded. See "+RateLimitDocsURL, nil)
}

func replyServerError(code int) reply {
	return replyError(code, http.StatusText(code), "The server is temporarily unavailable. Please try again later.", nil)
}

// replyHTML is the page a proxy in front of the API would send.
func replyHTML(status int) reply {
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" +
		text + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	return reply{status: status, body: []byte(body), contentType: "text/html"}
}

func invalid(name, value, msg string) reply {
	return replyError(http.StatusBadRequest, "InvalidParameter", name+": "+msg, []FieldError{{Name: name, Value: value, Message: msg}})
}

func notFound(kind, name string) reply {
	return replyError(http.StatusNotFound, "NotFound", kind+" "+name+" not found.", nil)
}
