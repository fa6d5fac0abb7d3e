package io.c2d.server;

import io.c2d.keeper.AnvilNode;
import io.c2d.keeper.KeeperChain;
import io.c2d.keeper.KeeperChain.Agreement;
import io.c2d.keeper.OceanV4Chain;
import io.c2d.keeper.OceanV4Chain.Asset;
import io.c2d.model.Did;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

/**
 * The testkit's main job through a real verifier on a real chain. It starts anvil on a free
 * loopback port (or uses the development node at {@code --rpc-url}) and then, by default, deploys
 * Ocean's v4 contracts, publishes the sample dataset as a data NFT with a datatoken and orders its
 * compute service as the consumer (a real {@code startOrder} with a provider fee to this provider),
 * and runs {@link MainJob} signed by that consumer with the {@code ocean-orders} verifier reading
 * that order. With {@code --keeper} it deploys Ocean's Keeper instead, registers the dataset's DID
 * served by this provider, creates a compute agreement for the consumer and locks its reward, and
 * runs the job through the {@code keeper} verifier, which grants the compute execution itself as
 * the provider (as Ocean's provider did).
 *
 * <pre>
 * OnChainMainJob [--rpc-url URL] [--keeper] [MainJob options ...]
 * </pre>
 *
 * <p>Every other option goes to {@link MainJob} after the chain's, so it can choose the backend
 * ({@code --backend docker}) or sign as someone else ({@code --consumer-key HEX}, whom the verifier
 * then refuses). A node at {@code --rpc-url} must serve chain 8996 with anvil's funded, unlocked
 * development accounts ({@code anvil --chain-id 8996}). Anvil and the contracts come from the
 * build's {@code npm install} in {@code c2d-keeper/src/test/chain}; the system property {@code
 * c2d.test-chain.dir} names that folder when the program runs from elsewhere.
 *
 * <p>Exit codes are {@link MainJob}'s: 0 when the job completed, 1 when it did not (or the chain
 * could not be set up), 2 on bad arguments.
 */
public final class OnChainMainJob {
  private static final String SERVICE_ID = "compute";
  private static final int SERVICE_INDEX = 0;

  private OnChainMainJob() {}

  /** Runs the job and exits with its outcome. */
  public static void main(String[] args) throws InterruptedException {
    // CHECKSTYLE.OFF: RegexpSinglelineJava - a command-line program prints to its console
    int exitCode = run(args, System.out, System.err);
    // CHECKSTYLE.ON: RegexpSinglelineJava
    System.exit(exitCode);
  }

  /** Sets up the chain, runs the job, and returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err)
      throws InterruptedException {
    // Maven's exec plugin passes all options as one argument
    String joined = String.join(" ", args).trim();
    List<String> words = joined.isEmpty() ? List.of() : List.of(joined.split("\\s+"));
    List<String> rest = new ArrayList<>();
    URI rpc = null;
    boolean keeper = false;
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i);
      if (word.equals("--keeper")) {
        keeper = true;
      } else if (!word.equals("--rpc-url")) {
        rest.add(word);
      } else if (i + 1 == words.size()) {
        err.println("error: --rpc-url needs a value");
        return 2;
      } else {
        try {
          rpc = URI.create(words.get(++i));
        } catch (IllegalArgumentException e) {
          err.println("error: --rpc-url: " + e.getMessage());
          return 2;
        }
      }
    }
    try (AnvilNode node = rpc == null ? AnvilNode.start() : AnvilNode.at(rpc)) {
      out.printf("chain: %s (chain id %d)%n", node.rpc(), AnvilNode.CHAIN_ID);
      List<String> jobArgs = keeper ? agreement(node, out) : order(node, out);
      jobArgs.addAll(rest);
      return MainJob.run(jobArgs.toArray(String[]::new), out, err);
    } catch (IOException | RuntimeException e) {
      err.println("error: could not set up the chain: " + e.getMessage());
      return 1;
    }
  }

  /** A v4 order on a freshly published asset, and the main job's options for it. */
  private static List<String> order(AnvilNode node, PrintStream out) throws IOException {
    try (OceanV4Chain chain = OceanV4Chain.deploy(node)) {
      Asset dataset = chain.publish();
      out.printf(
          "publisher %s published %s (data NFT %s, datatoken %s)%n",
          OceanV4Chain.PUBLISHER.getAddress(), dataset.did(), dataset.nft(), dataset.datatoken());
      String order = chain.order(dataset, SERVICE_INDEX, OceanV4Chain.PROVIDER);
      out.printf(
          "consumer %s ordered service %d: transaction %s%n",
          OceanV4Chain.CONSUMER.getAddress(), SERVICE_INDEX, order);
      String provider = OceanV4Chain.PROVIDER.getAddress();
      String service = "c2d.ocean-orders.services.sales.";
      List<String> args =
          common(
              "ocean-orders",
              privateKey(OceanV4Chain.CONSUMER),
              dataset.did(),
              provider,
              Map.of(
                  "c2d.keeper.rpc-url",
                  node.rpc().toString(),
                  "c2d.keeper.chain-id",
                  Long.toString(AnvilNode.CHAIN_ID),
                  "c2d.keeper.provider-address",
                  provider,
                  service + "did",
                  dataset.did().value(),
                  service + "service-id",
                  SERVICE_ID,
                  service + "datatoken",
                  dataset.datatoken().value(),
                  service + "index",
                  Integer.toString(SERVICE_INDEX),
                  service + "timeout",
                  "1h"));
      args.addAll(List.of("--order-tx", order));
      return args;
    }
  }

  /** A Keeper agreement with its reward locked, and the main job's options for it. */
  private static List<String> agreement(AnvilNode node, PrintStream out)
      throws IOException, InterruptedException {
    KeeperChain chain = KeeperChain.deploy(node);
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    out.printf(
        "publisher %s registered %s, served by provider %s%n",
        KeeperChain.PUBLISHER, did, KeeperChain.PROVIDER);
    Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 0);
    chain.lockReward(agreement);
    out.printf(
        "consumer %s created agreement %s and locked its reward%n",
        KeeperChain.CONSUMER, agreement.id());
    Map<String, String> properties = new LinkedHashMap<>(chain.properties());
    properties.put("c2d.keeper.fulfil-compute-execution", "true");
    properties.put("c2d.keeper.provider-key", KeeperChain.PROVIDER_KEY);
    List<String> args =
        common("keeper", KeeperChain.CONSUMER_KEY, did, KeeperChain.PROVIDER, properties);
    args.addAll(List.of("--agreement-id", agreement.id()));
    return args;
  }

  private static List<String> common(
      String verifier,
      String consumerKey,
      Did dataset,
      String provider,
      Map<String, String> properties) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--verifier",
                verifier,
                "--consumer-key",
                consumerKey,
                "--dataset-did",
                dataset.value(),
                "--service-id",
                SERVICE_ID,
                "c2d.chain-id=" + AnvilNode.CHAIN_ID,
                "c2d.provider-address=" + provider));
    properties.forEach((key, value) -> args.add(key + "=" + value));
    return args;
  }

  static String privateKey(Credentials credentials) {
    return Numeric.toHexStringWithPrefixZeroPadded(credentials.getEcKeyPair().getPrivateKey(), 64);
  }
}
