package io.c2d.spi.backend.support;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A response body written to a file as it arrives, one buffer list at a time (the client sends the
 * next only when the last is written, so the heap holds a few buffers whatever the body's size),
 * digested on the way, and cut off as soon as it passes its limit.
 *
 * <p>Callbacks come from the HTTP client one at a time; {@link #cancel()} may come from the
 * fetching thread, so the state is guarded by a lock.
 */
final class FileSink implements HttpResponse.BodySubscriber<Void> {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private final Object lock = new Object();
  private final CompletableFuture<Void> result = new CompletableFuture<>();
  private final @Nullable FileChannel channel;
  private final Progress progress;
  private final long limit;
  private final @Nullable Exception refusal;

  // guarded by lock
  private Flow.@Nullable Subscription subscription;
  private boolean closed;

  private FileSink(
      @Nullable FileChannel channel, Progress progress, long limit, @Nullable Exception refusal) {
    this.channel = channel;
    this.progress = progress;
    this.limit = limit;
    this.refusal = refusal;
  }

  @Override
  public CompletionStage<Void> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    synchronized (lock) {
      this.subscription = subscription;
      if (refusal != null) {
        fail(refusal);
        return;
      }
      if (closed) {
        subscription.cancel();
        return;
      }
    }
    subscription.request(1);
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    Flow.Subscription next;
    synchronized (lock) {
      if (closed || channel == null) {
        return;
      }
      try {
        for (ByteBuffer buffer : buffers) {
          int length = buffer.remaining();
          if (progress.position() + length > limit) {
            fail(new Refused(progress.tooLong()));
            return;
          }
          progress.digest().update(buffer.duplicate());
          while (buffer.hasRemaining()) {
            channel.write(buffer);
          }
          progress.advance(length);
        }
      } catch (IOException e) {
        fail(new Refused("could not be written to the job's directory (" + e + ")"));
        return;
      }
      next = subscription;
    }
    if (next != null) {
      next.request(1);
    }
  }

  @Override
  public void onError(Throwable throwable) {
    synchronized (lock) {
      close();
    }
    result.completeExceptionally(throwable);
  }

  @Override
  public void onComplete() {
    synchronized (lock) {
      close();
    }
    result.complete(null);
  }

  /** Stops writing: nothing more reaches the file after this returns. */
  void cancel() {
    synchronized (lock) {
      if (!closed) {
        fail(new IOException("cancelled"));
      }
    }
  }

  // called with lock held
  private void fail(Exception e) {
    Flow.Subscription current = subscription;
    close();
    if (current != null) {
      current.cancel();
    }
    result.completeExceptionally(e);
  }

  // called with lock held
  private void close() {
    closed = true;
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // the fetch fails or retries anyway; what was written is in progress.position()
      }
    }
  }

  /** A failure no retry mends (too long, not writable); its message is the job's detail. */
  static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    Refused(String reason) {
      super(reason);
      this.reason = reason;
    }

    String reason() {
      return reason;
    }
  }

  /**
   * What one fetch has written so far, across its attempts: the position, the digest of the bytes
   * before it, and whether and how the server lets a cut transfer resume. Thread-safe.
   */
  static final class Progress {
    private final MessageDigest digest;
    private final long maxBytes;
    private final OptionalLong declared;
    private volatile long position;
    private volatile boolean resumable;
    private volatile @Nullable String validator;

    Progress(MessageDigest digest, long maxBytes, OptionalLong declared) {
      this.digest = digest;
      this.maxBytes = maxBytes;
      this.declared = declared;
    }

    long position() {
      return position;
    }

    MessageDigest digest() {
      return digest;
    }

    boolean resumable() {
      return resumable;
    }

    Optional<String> validator() {
      return Optional.ofNullable(validator);
    }

    synchronized void advance(long bytes) {
      position += bytes;
    }

    /** Starts over from the first byte. */
    synchronized void restart() {
      position = 0;
      digest.reset();
      resumable = false;
      validator = null;
    }

    String tooLong() {
      if (declared.isPresent() && declared.getAsLong() < maxBytes) {
        return "is longer than its declared size of " + declared.getAsLong() + " bytes";
      }
      return "is larger than this provider's limit of " + maxBytes + " bytes";
    }
  }

  /**
   * Decides, from a response's status and headers, where its body goes: a 2xx body to the file
   * (appended after a matching {@code 206}), any other body nowhere. Remembers the last sink so
   * that the fetching thread can {@link #cancel()} it.
   */
  static final class Handler implements HttpResponse.BodyHandler<Void> {
    private final Path file;
    private final Progress progress;
    private final long limit;
    private volatile @Nullable FileSink sink;

    Handler(Path file, Progress progress, long limit) {
      this.file = file;
      this.progress = progress;
      this.limit = limit;
    }

    @Override
    public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
      if (info.statusCode() / 100 != 2) {
        return HttpResponse.BodySubscribers.discarding();
      }
      FileSink created;
      try {
        created = open(info);
      } catch (IOException e) {
        created = new FileSink(null, progress, limit, e);
      }
      sink = created;
      return created;
    }

    private FileSink open(HttpResponse.ResponseInfo info) throws IOException {
      long offset = 0;
      if (info.statusCode() == 206) {
        Matcher range =
            CONTENT_RANGE.matcher(info.headers().firstValue("Content-Range").orElse(""));
        if (!range.matches() || Long.parseLong(range.group(1)) != progress.position()) {
          progress.restart();
          throw new IOException("the server resumed at another position");
        }
        offset = progress.position();
      } else {
        progress.restart();
        progress.resumable =
            info.headers()
                .firstValue("Accept-Ranges")
                .map(v -> v.toLowerCase(Locale.ROOT).contains("bytes"))
                .orElse(false);
        progress.validator =
            info.headers()
                .firstValue("ETag")
                .filter(tag -> !tag.startsWith("W/"))
                .or(() -> info.headers().firstValue("Last-Modified"))
                .orElse(null);
      }
      OptionalLong length = info.headers().firstValueAsLong("Content-Length");
      if (length.isPresent() && offset + length.getAsLong() > limit) {
        return new FileSink(null, progress, limit, new Refused(progress.tooLong()));
      }
      FileChannel channel =
          offset > 0
              ? FileChannel.open(file, StandardOpenOption.WRITE)
              : FileChannel.open(
                  file,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.TRUNCATE_EXISTING);
      try {
        channel.truncate(offset);
        channel.position(offset);
      } catch (IOException e) {
        channel.close();
        throw e;
      }
      return new FileSink(channel, progress, limit, null);
    }

    /** Stops the body being written, if one is. */
    void cancel() {
      FileSink current = sink;
      if (current != null) {
        current.cancel();
      }
    }
  }
}
