package ai.iro.examples.eval;

import ai.iro.examples.ShippedModel;
import ai.iro.examples.reward.AfinnReward;
import ai.iro.examples.reward.LongWordReward;
import ai.iro.examples.reward.WordSetReward;
import ai.iro.onnx.reward.OnnxRewardModel;
import java.nio.file.Path;
import java.util.List;

/**
 * The built-in evaluation tasks on the shipped KJV model, rewards of different shapes:
 * <ul>
 *   <li>{@value #SENTIMENT}: AFINN-165 valence, the demo's reward (integer sums, unbounded, most
 *       plain samples near 0);
 *   <li>{@value #SPARSE}: 1 when the answer names a landscape word ({@link WordSetReward#landscape()}),
 *       else 0, a rare event for a plain sample;
 *   <li>{@value #DENSE}: the share of words of 6 or more letters ({@link LongWordReward}), in [0, 1],
 *       length-normalised;
 *   <li>{@value #CLASSIFIER}: the log-odds that the answer reads like the New Testament, from the
 *       ONNX classifier of {@code models/kjv-classifier} through {@link OnnxRewardModel}.
 * </ul>
 * Stateless.
 */
public final class Tasks {
  /** AFINN-165 sentiment. */
  public static final String SENTIMENT = "sentiment";
  /** A rare event: a landscape word. */
  public static final String SPARSE = "sparse";
  /** The share of long words. */
  public static final String DENSE = "dense";
  /** An ONNX text classifier's logit. */
  public static final String CLASSIFIER = "classifier";
  /** Every built-in task, in report order. */
  public static final List<String> NAMES = List.of(SENTIMENT, SPARSE, DENSE, CLASSIFIER);

  private Tasks() {}

  /**
   * Opens a built-in task; close it when done (the classifier holds an ONNX session).
   *
   * @param name one of {@link #NAMES}
   * @param tokenizer the {@code tokenizer.json} the classifier reads text with (the shipped model's)
   * @throws IllegalArgumentException if there is no such task
   */
  public static Task open(String name, Path tokenizer) {
    return switch (name) {
      case SENTIMENT -> new Task(SENTIMENT, AfinnReward.load(),
          "AFINN-165 valence of the answer: a sum of word ratings -5..+5, unbounded, most plain samples near 0");
      case SPARSE -> new Task(SPARSE, WordSetReward.landscape(),
          "1 if the answer names one of " + WordSetReward.LANDSCAPE.size() + " landscape words " + WordSetReward.LANDSCAPE
              + ", else 0: a rare event for a plain sample");
      case DENSE -> new Task(DENSE, LongWordReward.of(LongWordReward.DEFAULT_MIN_LETTERS),
          "share of the answer's words with 6 or more letters, in [0, 1]: dense and length-normalised");
      case CLASSIFIER -> new Task(CLASSIFIER, classifier(ShippedModel.classifierDirectory().resolve("model.onnx"),
          tokenizer), "log-odds that the answer reads like the New Testament, from the ONNX classifier "
              + "models/kjv-classifier (OnnxRewardModel, the answer scored without its prompt)");
      default -> throw new IllegalArgumentException("unknown task \"" + name + "\": expected one of " + NAMES);
    };
  }

  /**
   * The New/Old Testament classifier as a reward: its single logit, the answer as the second text
   * of a pair (the classifier reads only that part), long inputs keeping their end.
   */
  public static OnnxRewardModel classifier(Path modelFile, Path tokenizer) {
    return OnnxRewardModel.builder().modelFile(modelFile).tokenizerFile(tokenizer)
        .input(OnnxRewardModel.Input.TEXT_PAIR).truncation(OnnxRewardModel.Truncation.TRUNCATE_LEFT).batchSize(64)
        .build();
  }
}
