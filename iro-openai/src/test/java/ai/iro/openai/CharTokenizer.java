package ai.iro.openai;

import java.util.ArrayList;
import java.util.List;

/**
 * A tiny tokenizer for tests: id 0 is the end-of-sequence token (decoded as nothing), then one id per
 * character of {@link #ALPHABET}, then one merged token "th". Encoding is greedy longest match, so
 * "th" encodes to the merged token while the ids of 't' and 'h' decode to the same text: two token
 * sequences with one text, the case where re-tokenising drifts.
 */
final class CharTokenizer implements Tokenizer {
  static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz .!\n";
  static final int EOS = 0;
  static final int TH = ALPHABET.length() + 1;
  static final int VOCABULARY = ALPHABET.length() + 2;

  static int id(char c) {
    int i = ALPHABET.indexOf(c);
    if (i < 0) {
      throw new IllegalArgumentException("no token for '" + c + "'");
    }
    return i + 1;
  }

  @Override
  public int[] encode(String text) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < text.length(); i++) {
      if (text.startsWith("th", i)) {
        ids.add(TH);
        i++;
      } else {
        ids.add(id(text.charAt(i)));
      }
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public String decode(int[] tokens) {
    StringBuilder sb = new StringBuilder();
    for (int t : tokens) {
      if (t == TH) {
        sb.append("th");
      } else if (t != EOS) {
        sb.append(ALPHABET.charAt(t - 1));
      }
    }
    return sb.toString();
  }

  @Override
  public int vocabularySize() {
    return VOCABULARY;
  }
}
