/**
 * Reward models run with ONNX Runtime: {@link ai.iro.onnx.reward.OnnxRewardModel} scores (prompt,
 * response) pairs with a sequence-classification export ({@code input_ids}, {@code attention_mask},
 * optionally {@code token_type_ids} to {@code logits [batch, labels]}).
 */
package ai.iro.onnx.reward;
