package ai.iro.openai;

import com.google.common.base.Preconditions;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where a model is served and how to call it: the base URL that request paths are appended to, the
 * API key, timeouts, the most requests in flight at once and the {@link RetryPolicy}. Immutable;
 * build with {@link #builder()}.
 *
 * <p>The API key is sent as {@code Authorization: Bearer <key>} and appears nowhere else: not in
 * {@link #toString()}, logs or exception messages (a server message that quotes it has it replaced
 * by {@code ***}), and never in a saved policy. By default it is read once, at {@link Builder#build()},
 * from the environment variable {@value #DEFAULT_API_KEY_VARIABLE}; without that variable requests
 * carry no key, as a local vLLM started without {@code --api-key} expects.
 *
 * <pre>{@code
 * Endpoint vllm = Endpoint.builder()
 *     .baseUrl("http://gpu-host:8000/v1")
 *     .apiKeyFromEnvironment("VLLM_API_KEY")
 *     .readTimeout(Duration.ofMinutes(2))
 *     .maxConcurrentRequests(4)
 *     .build();
 * }</pre>
 */
public final class Endpoint {
  /** Default: the API key comes from this environment variable when it is set. */
  public static final String DEFAULT_API_KEY_VARIABLE = "OPENAI_API_KEY";
  /** Default: 10 s to open a connection. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Default: 5 minutes for a response to arrive (a batch of long continuations on a busy server is slow). */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMinutes(5);
  /** Default: at most 4 requests in flight at once from one model object. */
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 4;

  private final URI baseUrl;
  private final String apiKey;
  private final String apiKeySource;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final int maxConcurrentRequests;
  private final RetryPolicy retryPolicy;

  private Endpoint(Builder b, String apiKey, String apiKeySource) {
    this.baseUrl = b.baseUrl;
    this.apiKey = apiKey;
    this.apiKeySource = apiKeySource;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.maxConcurrentRequests = b.maxConcurrentRequests;
    this.retryPolicy = b.retryPolicy;
  }

  /** Returns a builder holding the defaults; the base URL is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** An endpoint at {@code baseUrl} with every other setting at its default. */
  public static Endpoint of(String baseUrl) {
    return builder().baseUrl(baseUrl).build();
  }

  /**
   * Returns a builder holding this endpoint's settings. Its key is the key this endpoint holds
   * (whatever its source), not read again from the environment.
   */
  public Builder toBuilder() {
    Builder b = new Builder().connectTimeout(connectTimeout).readTimeout(readTimeout)
        .maxConcurrentRequests(maxConcurrentRequests).retryPolicy(retryPolicy);
    b.baseUrl = baseUrl;
    b.key = apiKey == null ? KeySetting.none() : KeySetting.copied(apiKey, apiKeySource);
    return b;
  }

  /** The base URL, without a trailing slash; request paths such as {@code /completions} are appended to it. */
  public URI baseUrl() {
    return baseUrl;
  }

  /** Whether requests carry an API key. The key itself is not readable from this object. */
  public boolean hasApiKey() {
    return apiKey != null;
  }

  /** The timeout for opening a connection. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** The timeout for a response to arrive once the request is sent. */
  public Duration readTimeout() {
    return readTimeout;
  }

  /** The most requests one model object has in flight at once. */
  public int maxConcurrentRequests() {
    return maxConcurrentRequests;
  }

  /** When failed calls are retried. */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** The key, for the transport only (same module, not exported API). */
  Optional<String> apiKey() {
    return Optional.ofNullable(apiKey);
  }

  /** Says where the key came from, never what it is. */
  @Override
  public String toString() {
    return "Endpoint{baseUrl=" + baseUrl + ", apiKey=" + apiKeySource + ", connectTimeout=" + connectTimeout
        + ", readTimeout=" + readTimeout + ", maxConcurrentRequests=" + maxConcurrentRequests + ", retryPolicy="
        + retryPolicy + "}";
  }

  /** How the builder obtains the key: resolved at build time. */
  private static final class KeySetting {
    final String value;
    final String variable;
    final boolean required;
    final String source;

    private KeySetting(String value, String variable, boolean required, String source) {
      this.value = value;
      this.variable = variable;
      this.required = required;
      this.source = source;
    }

    static KeySetting none() {
      return new KeySetting(null, null, false, "<none>");
    }

    static KeySetting given(String value) {
      return new KeySetting(value, null, true, "<given>");
    }

    static KeySetting copied(String value, String source) {
      return new KeySetting(value, null, true, source);
    }

    static KeySetting environment(String variable, boolean required) {
      return new KeySetting(null, variable, required, "<from environment variable " + variable + ">");
    }
  }

  /** Builder of {@link Endpoint}; validates each value as it is set. */
  public static final class Builder {
    private URI baseUrl;
    private KeySetting key = KeySetting.environment(DEFAULT_API_KEY_VARIABLE, false);
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private UnaryOperator<String> environment = System::getenv;

    private Builder() {}

    /**
     * Sets the base URL, {@code http} or {@code https}, for example {@code http://localhost:8000/v1}
     * for vLLM's completions or {@code http://localhost:8000} for its {@code /classify}. Required.
     *
     * @throws IllegalArgumentException if it is not an absolute http(s) URL, or if it carries user
     *     information or a query (put credentials in the API key)
     */
    public Builder baseUrl(String baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      URI uri;
      try {
        uri = new URI(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("baseUrl is not a URL: " + e.getReason() + " at index " + e.getIndex());
      }
      Preconditions.checkArgument("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()),
          "baseUrl must start with http:// or https://, found scheme %s", uri.getScheme());
      // Said without echoing the URL: user information would be a credential.
      Preconditions.checkArgument(uri.getRawUserInfo() == null,
          "baseUrl must not carry user information (user:password@); pass credentials as the API key");
      Preconditions.checkArgument(uri.getHost() != null, "baseUrl has no host: %s", uri);
      Preconditions.checkArgument(uri.getRawQuery() == null && uri.getRawFragment() == null,
          "baseUrl must not carry a query or fragment, found %s", uri);
      this.baseUrl = uri;
      return this;
    }

    /** Sends this API key. */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      Preconditions.checkArgument(!apiKey.isBlank(), "apiKey must not be blank");
      this.key = KeySetting.given(apiKey);
      return this;
    }

    /**
     * Reads the API key from an environment variable at {@link #build()}, which fails if it is unset.
     * Default: the optional {@value Endpoint#DEFAULT_API_KEY_VARIABLE}.
     */
    public Builder apiKeyFromEnvironment(String variable) {
      Objects.requireNonNull(variable, "variable");
      Preconditions.checkArgument(!variable.isBlank(), "variable must not be blank");
      this.key = KeySetting.environment(variable, true);
      return this;
    }

    /** Sends no API key, whatever the environment holds. */
    public Builder noApiKey() {
      this.key = KeySetting.none();
      return this;
    }

    /** Sets the connect timeout, positive. Default: {@link Endpoint#DEFAULT_CONNECT_TIMEOUT}. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = positive(connectTimeout, "connectTimeout");
      return this;
    }

    /** Sets the read timeout, positive. Default: {@link Endpoint#DEFAULT_READ_TIMEOUT}. */
    public Builder readTimeout(Duration readTimeout) {
      this.readTimeout = positive(readTimeout, "readTimeout");
      return this;
    }

    /** Sets the most requests in flight at once, at least 1. Default: {@link Endpoint#DEFAULT_MAX_CONCURRENT_REQUESTS}. */
    public Builder maxConcurrentRequests(int maxConcurrentRequests) {
      Preconditions.checkArgument(maxConcurrentRequests >= 1, "maxConcurrentRequests must be at least 1, found %s",
          maxConcurrentRequests);
      this.maxConcurrentRequests = maxConcurrentRequests;
      return this;
    }

    /** Sets the retry policy. Default: {@link RetryPolicy#defaults()}. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /** Replaces the environment lookup, for tests. */
    Builder environment(UnaryOperator<String> environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /**
     * Returns the immutable endpoint, reading the API key from the environment if so configured.
     *
     * @throws IllegalStateException if the base URL is missing, or a key variable named with
     *     {@link #apiKeyFromEnvironment} is unset or blank
     */
    public Endpoint build() {
      Preconditions.checkState(baseUrl != null, "baseUrl is required");
      String value = key.value;
      String source = key.source;
      if (key.variable != null) {
        value = environment.apply(key.variable);
        if (value == null || value.isBlank()) {
          Preconditions.checkState(!key.required, "the environment variable %s, named for the API key, is not set",
              key.variable);
          value = null;
          source = "<none>";
        }
      }
      return new Endpoint(this, value, source);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      Preconditions.checkArgument(!d.isNegative() && !d.isZero(), "%s must be positive, found %s", name, d);
      return d;
    }
  }
}
