/**
 * A strict interpreter of the Jinja subset Hugging Face chat templates use, with Jinja2's and
 * Python's semantics (whitespace control, undefined values, Python string, list and dict methods,
 * sandbox refusals). {@link ai.iro.onnx.internal.jinja.Template} is the entry point;
 * {@code ai.iro.onnx.chat.ChatTemplate} is the API. Syntax outside the subset is refused when a
 * template is parsed, naming the line and the construct. Not exported.
 */
package ai.iro.onnx.internal.jinja;
