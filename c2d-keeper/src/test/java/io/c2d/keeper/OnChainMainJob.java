package io.c2d.keeper;

import io.c2d.keeper.OceanV4Chain.Asset;
import io.c2d.testkit.example.MainJob;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

/**
 * The testkit's main job through a real verifier on a real chain: it starts anvil on a free
 * loopback port (or uses the development node at {@code --rpc-url}), deploys Ocean's v4 contracts,
 * publishes the sample dataset as a data NFT with a datatoken, orders its compute service as the
 * consumer (a real {@code startOrder} with a provider fee to this provider), and then runs {@link
 * MainJob} signed by that consumer with the {@code ocean-orders} verifier reading that order.
 *
 * <pre>
 * OnChainMainJob [--rpc-url URL] [MainJob options ...]
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
    List<String> rest = new ArrayList<>();
    URI rpc = null;
    // Maven's exec plugin passes all options as one argument
    String joined = String.join(" ", args).trim();
    List<String> words = joined.isEmpty() ? List.of() : List.of(joined.split("\\s+"));
    for (int i = 0; i < words.size(); i++) {
      if (!words.get(i).equals("--rpc-url")) {
        rest.add(words.get(i));
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
    try (AnvilNode node = rpc == null ? AnvilNode.start() : AnvilNode.at(rpc);
        OceanV4Chain chain = OceanV4Chain.deploy(node)) {
      out.printf("chain: %s (chain id %d)%n", node.rpc(), AnvilNode.CHAIN_ID);
      Asset dataset = chain.publish();
      out.printf(
          "publisher %s published %s (data NFT %s, datatoken %s)%n",
          OceanV4Chain.PUBLISHER.getAddress(), dataset.did(), dataset.nft(), dataset.datatoken());
      String order = chain.order(dataset, SERVICE_INDEX, OceanV4Chain.PROVIDER);
      out.printf(
          "consumer %s ordered service %d: transaction %s%n",
          OceanV4Chain.CONSUMER.getAddress(), SERVICE_INDEX, order);
      List<String> jobArgs = mainJobArguments(node.rpc(), dataset, order);
      jobArgs.addAll(rest);
      return MainJob.run(jobArgs.toArray(String[]::new), out, err);
    } catch (IOException | RuntimeException e) {
      err.println("error: could not set up the chain: " + e.getMessage());
      return 1;
    }
  }

  /**
   * The main job's options for a job on {@code dataset} under {@code order}: the consumer who
   * ordered signs, the verifier is {@code ocean-orders} on {@code rpc}, and its directory knows the
   * dataset's compute service.
   */
  static List<String> mainJobArguments(URI rpc, Asset dataset, String order) {
    String provider = OceanV4Chain.PROVIDER.getAddress();
    String service = "c2d.ocean-orders.services.sales.";
    return new ArrayList<>(
        List.of(
            "--verifier",
            "ocean-orders",
            "--consumer-key",
            privateKey(OceanV4Chain.CONSUMER),
            "--dataset-did",
            dataset.did().value(),
            "--order-tx",
            order,
            "--service-id",
            SERVICE_ID,
            "c2d.chain-id=" + AnvilNode.CHAIN_ID,
            "c2d.provider-address=" + provider,
            "c2d.keeper.rpc-url=" + rpc,
            "c2d.keeper.chain-id=" + AnvilNode.CHAIN_ID,
            "c2d.keeper.provider-address=" + provider,
            service + "did=" + dataset.did().value(),
            service + "service-id=" + SERVICE_ID,
            service + "datatoken=" + dataset.datatoken().value(),
            service + "index=" + SERVICE_INDEX,
            service + "timeout=1h"));
  }

  static String privateKey(Credentials credentials) {
    return Numeric.toHexStringWithPrefixZeroPadded(credentials.getEcKeyPair().getPrivateKey(), 64);
  }
}
