/**
 * Not API: the HTTP transport (retries, backoff, concurrency limit, error messages with the key
 * redacted) and the JSON of the completions API.
 */
package ai.iro.openai.internal;
