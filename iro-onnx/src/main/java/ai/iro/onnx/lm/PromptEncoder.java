package ai.iro.onnx.lm;

import ai.iro.core.data.ChatMessage;
import ai.iro.core.data.Prompt;
import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.text.SpecialTokens;
import ai.iro.onnx.text.TextTokenizer;
import com.google.common.collect.ImmutableSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a prompt into the token ids the model reads, and says which ids end a response. A plain
 * model: the tokenizer's special prefix (BOS for most) and the prompt's ids, ending at the configs'
 * end-of-sequence ids; a conversation other than one user message is refused. A chat model: the
 * prompt's conversation (a text prompt as the user's message), after an optional system message,
 * rendered by the chat template with the generation prompt, encoded as is (the template
 * writes its own special tokens, as transformers encodes a rendered chat), ending also at the
 * template's end-of-turn token. Immutable and thread safe.
 */
final class PromptEncoder {
  private final ModelDirectory spec;
  private final Optional<ChatTemplate> chat;
  private final Optional<String> systemPrompt;
  private final ImmutableSet<Integer> eosIds;
  private final PromptTruncation truncation;

  PromptEncoder(ModelDirectory spec, Optional<ChatTemplate> chat, Optional<String> systemPrompt,
      PromptTruncation truncation) {
    this.spec = spec;
    this.truncation = truncation;
    this.chat = chat;
    this.systemPrompt = systemPrompt;
    if (chat.isPresent()) {
      Set<Integer> ids = SpecialTokens.load(spec.directory()).chatEosTokenIds(chat.get());
      this.eosIds = ImmutableSet.<Integer>builder().addAll(spec.eosIds()).addAll(ids).build();
    } else {
      this.eosIds = spec.eosIds();
    }
  }

  /** The ids of {@code prompt} as fed to the model, cut to fit the context by {@link PromptTruncation#KEEP_END}. */
  int[] encode(TextTokenizer tokenizer, String prompt) {
    return encode(tokenizer, Prompt.of(prompt));
  }

  /**
   * The ids of a prompt record as fed to the model, cut to fit the context by
   * {@link PromptTruncation#KEEP_END}: a chat model renders its whole conversation.
   *
   * @throws UnsupportedOperationException if the record is a conversation and there is no chat template
   */
  int[] encode(TextTokenizer tokenizer, Prompt prompt) {
    int[] ids = encodeWhole(tokenizer, prompt);
    if (truncation == PromptTruncation.KEEP_END && ids.length >= spec.contextLength()) {
      return keepEnd(ids, spec.contextLength() - 1);
    }
    return ids;
  }

  private int[] encodeWhole(TextTokenizer tokenizer, Prompt prompt) {
    if (chat.isPresent()) {
      return tokenizer.encode(render(prompt));
    }
    if (!prompt.isPlainText()) {
      throw new UnsupportedOperationException("the prompt is a conversation of " + prompt.messages().size()
          + " messages " + prompt.roles() + " and the model " + spec.directory()
          + " was built without a chat template (OnnxCausalLM.Builder.chat()); give it plain prompts or a template");
    }
    int[] ids = tokenizer.encode(prompt.text());
    List<Integer> prefix = spec.promptPrefix();
    int[] out = new int[ids.length + prefix.size()];
    for (int i = 0; i < prefix.size(); i++) {
      out[i] = prefix.get(i);
    }
    System.arraycopy(ids, 0, out, prefix.size(), ids.length);
    return out;
  }

  /** The special prefix (when {@code ids} start with it) and the last ids, {@code length} in all. */
  private int[] keepEnd(int[] ids, int length) {
    List<Integer> prefix = spec.promptPrefix();
    int kept = startsWith(ids, prefix) ? prefix.size() : 0;
    if (kept >= length) {
      throw new IllegalArgumentException("the context of " + spec.directory() + " is " + spec.contextLength()
          + " tokens, too short to keep the " + kept + " special prefix tokens and a response");
    }
    int[] out = new int[length];
    System.arraycopy(ids, 0, out, 0, kept);
    System.arraycopy(ids, ids.length - (length - kept), out, kept, length - kept);
    return out;
  }

  private static boolean startsWith(int[] ids, List<Integer> prefix) {
    if (ids.length < prefix.size()) {
      return false;
    }
    for (int i = 0; i < prefix.size(); i++) {
      if (ids[i] != prefix.get(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@link #encode} of each prompt, unchecked; a prompt given several times is encoded once (value
   * training repeats a prompt once per sampled response) and its ids shared, read only.
   */
  List<int[]> encodeEach(TextTokenizer tokenizer, List<Prompt> prompts) {
    Map<Prompt, int[]> encoded = new HashMap<>();
    List<int[]> out = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      Prompt prompt = Objects.requireNonNull(prompts.get(i), "prompt " + i);
      try {
        out.add(encoded.computeIfAbsent(prompt, p -> encode(tokenizer, p)));
      } catch (UnsupportedOperationException e) {
        throw new UnsupportedOperationException("prompt " + i + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /**
   * Encodes every prompt of a batch.
   *
   * @throws IllegalArgumentException if a prompt leaves no room for a new token in the context (with
   *     {@link PromptTruncation#FAIL}), or encodes to no token at all
   */
  int[][] encodeAll(TextTokenizer tokenizer, List<Prompt> prompts) {
    int[][] encoded = new int[prompts.size()][];
    for (int i = 0; i < encoded.length; i++) {
      Prompt prompt = Objects.requireNonNull(prompts.get(i), "prompt " + i);
      try {
        encoded[i] = encode(tokenizer, prompt);
      } catch (UnsupportedOperationException e) {
        throw new UnsupportedOperationException("prompt " + i + ": " + e.getMessage(), e);
      }
      if (encoded[i].length >= spec.contextLength()) {
        throw new IllegalArgumentException("prompt " + i + " has " + encoded[i].length + " tokens; the context of "
            + spec.directory() + " is " + spec.contextLength() + " tokens and a response needs at least one more (promptTruncation(KEEP_END) keeps its end instead)");
      }
      if (encoded[i].length == 0) {
        throw new IllegalArgumentException("prompt " + i + " is empty and the model prepends no BOS token to start from");
      }
    }
    return encoded;
  }

  /**
   * Copies of prompts given as token ids, checked: each non-empty, inside the vocabulary and leaving
   * room for a new token in the context. Nothing is added or cut.
   */
  int[][] checkIds(List<int[]> promptIds, int vocabularySize) {
    int[][] out = new int[promptIds.size()][];
    for (int i = 0; i < out.length; i++) {
      int[] ids = Objects.requireNonNull(promptIds.get(i), "prompt " + i).clone();
      if (ids.length == 0) {
        throw new IllegalArgumentException("prompt " + i + " has no token ids");
      }
      if (ids.length >= spec.contextLength()) {
        throw new IllegalArgumentException("prompt " + i + " has " + ids.length + " tokens; the context of "
            + spec.directory() + " is " + spec.contextLength() + " tokens and a response needs at least one more");
      }
      for (int id : ids) {
        if (id < 0 || id >= vocabularySize) {
          throw new IllegalArgumentException("prompt " + i + " has token id " + id + ", outside the vocabulary [0, "
              + vocabularySize + ")");
        }
      }
      out[i] = ids;
    }
    return out;
  }

  /**
   * The text a chat model reads for {@code prompt}: its conversation rendered with the generation
   * prompt, after the builder's system message unless the conversation opens with its own.
   */
  String render(Prompt prompt) {
    List<ChatMessage> conversation = prompt.conversation();
    List<ChatMessage> messages = new ArrayList<>(conversation.size() + 1);
    if (systemPrompt.isPresent() && !conversation.get(0).role().equals(ChatMessage.SYSTEM)) {
      messages.add(ChatMessage.system(systemPrompt.get()));
    }
    messages.addAll(conversation);
    return chat.orElseThrow().render(messages, true);
  }

  /** The ids that end a response. */
  ImmutableSet<Integer> eosIds() {
    return eosIds;
  }

  /** What happens to a prompt too long for the context. */
  PromptTruncation truncation() {
    return truncation;
  }

  /** The chat template, when prompts are chat messages. */
  Optional<ChatTemplate> chat() {
    return chat;
  }

  /** The system message put before every prompt of a chat model. */
  Optional<String> systemPrompt() {
    return systemPrompt;
  }
}
