package ai.iro.core.search;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import com.google.common.base.Preconditions;
import java.util.AbstractList;
import java.util.List;

/**
 * The response texts of a decoding's rows at one point of the search, each decoded at most once
 * and only when read (by a resampler or a state). A state may read its text after the decoding
 * has moved on, so it decodes its own tokens when the row's text is not yet known.
 */
final class RowTexts {
  private final BaseModel model;
  private final Decoding decoding;
  private final String[] texts;

  private RowTexts(BaseModel model, Decoding decoding, String[] texts) {
    this.model = model;
    this.decoding = decoding;
    this.texts = texts;
  }

  RowTexts(BaseModel model, Decoding decoding) {
    this(model, decoding, new String[decoding.size()]);
  }

  /** Texts already decoded. */
  static RowTexts of(List<String> texts) {
    return new RowTexts(null, null, texts.toArray(new String[0]));
  }

  /** The text of a row, read from the decoding (valid only before the decoding moves on). */
  String text(int row) {
    String t = texts[row];
    if (t == null) {
      t = decoding.responseText(row);
      texts[row] = t;
    }
    return t;
  }

  /** The text of a row whose tokens are given: the row's text when known, else decoded from them. */
  String text(int row, int[] tokens) {
    String t = texts[row];
    if (t == null) {
      t = model.decode(tokens);
      texts[row] = t;
    }
    return t;
  }

  /** Rows {@code from .. from + count) as a list, decoded only when read. */
  List<String> list(int from, int count) {
    return new AbstractList<>() {
      @Override
      public String get(int i) {
        Preconditions.checkElementIndex(i, count);
        return text(from + i);
      }

      @Override
      public int size() {
        return count;
      }
    };
  }

  /** The given rows as a list, decoded only when read. */
  List<String> list(int[] rows) {
    return new AbstractList<>() {
      @Override
      public String get(int i) {
        Preconditions.checkElementIndex(i, rows.length);
        return text(rows[i]);
      }

      @Override
      public int size() {
        return rows.length;
      }
    };
  }
}
