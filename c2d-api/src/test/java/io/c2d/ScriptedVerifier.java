package io.c2d;

import io.c2d.model.Did;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import io.c2d.spi.agreement.Verdict;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A verifier that answers what the test set: allow, refuse some DIDs, unknown, or never. */
public final class ScriptedVerifier implements ServiceAgreementVerifier {
  private final Map<Did, String> refused = new ConcurrentHashMap<>();
  private final List<AgreementQuery> queries = new CopyOnWriteArrayList<>();
  private volatile Verdict otherwise = Verdict.allowOnce();
  private volatile boolean hang;

  static ScriptedVerifier allowAll() {
    return new ScriptedVerifier();
  }

  static ScriptedVerifier unknownAll(String reason) {
    ScriptedVerifier verifier = new ScriptedVerifier();
    verifier.otherwise = Verdict.unknown(reason);
    return verifier;
  }

  ScriptedVerifier refuse(Did did, String reason) {
    refused.put(did, reason);
    return this;
  }

  ScriptedVerifier hang() {
    hang = true;
    return this;
  }

  List<AgreementQuery> queries() {
    return List.copyOf(queries);
  }

  @Override
  public CompletionStage<Verdict> verify(AgreementQuery query) {
    queries.add(query);
    if (hang) {
      return new CompletableFuture<>();
    }
    String reason = refused.get(query.did());
    return CompletableFuture.completedFuture(reason != null ? Verdict.refuse(reason) : otherwise);
  }

  @Override
  public void close() {}

  /** Found by the name {@code allow-all}. */
  public static final class Provider implements ServiceAgreementVerifierProvider {
    @Override
    public String name() {
      return "allow-all";
    }

    @Override
    public ServiceAgreementVerifier create(ProviderConfig config) {
      return allowAll();
    }
  }
}
