package io.c2d.keeper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * A real EVM node for the tests: anvil from the npm package {@code @foundry-rs/anvil} (installed by
 * the build into {@code src/test/chain}), on a free loopback port. Without it the tests fail when
 * {@code CI=true} and are skipped, loudly, elsewhere.
 */
public final class AnvilNode implements AutoCloseable {
  public static final long CHAIN_ID = 8996;

  /** Anvil's first development account: unlocked, funded. */
  static final String FIRST_ACCOUNT = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What the build's {@code npm install} put in {@code src/test/chain}: anvil and Ocean's compiled
   * contracts. Relative to the module, where the tests run; a program run from elsewhere names the
   * folder with the system property {@code c2d.test-chain.dir}.
   */
  static final Path NODE_MODULES =
      Path.of(System.getProperty("c2d.test-chain.dir", "src/test/chain")).resolve("node_modules");

  private static final Path ANVIL = NODE_MODULES.resolve(".bin/anvil");

  private final @Nullable Process process;
  private final URI rpc;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private long ids;

  private AnvilNode(@Nullable Process process, URI rpc) {
    this.process = process;
    this.rpc = rpc;
  }

  public static AnvilNode start() throws IOException, InterruptedException {
    if (!Files.isExecutable(ANVIL)) {
      String why =
          "anvil is not installed at " + ANVIL.toAbsolutePath() + " (run the build: npm ci)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException("CI=true and " + why);
      }
      System.err.println("WARNING: skipping chain tests: " + why);
      Assumptions.abort(why);
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Process process =
        new ProcessBuilder(
                List.of(
                    ANVIL.toString(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    Integer.toString(port),
                    "--chain-id",
                    Long.toString(CHAIN_ID),
                    "--silent"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    AnvilNode node = new AnvilNode(process, URI.create("http://127.0.0.1:" + port));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        node.call("eth_chainId");
        return node;
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          node.close();
          throw new IOException("anvil did not answer on " + node.rpc, e);
        }
        Thread.sleep(100);
      }
    }
  }

  /**
   * A node that already runs at {@code rpc} (anvil or another development node that serves chain
   * {@link #CHAIN_ID} with anvil's unlocked, funded accounts); closing it leaves it running.
   *
   * @throws IOException if it does not answer, or serves another chain
   */
  public static AnvilNode at(URI rpc) throws IOException, InterruptedException {
    AnvilNode node = new AnvilNode(null, rpc);
    long chainId = Long.decode(node.call("eth_chainId").asText());
    if (chainId != CHAIN_ID) {
      throw new IOException(rpc + " serves chain " + chainId + ", not " + CHAIN_ID);
    }
    return node;
  }

  /** Calls a JSON-RPC method and returns its result; an RPC error is an IOException. */
  JsonNode call(String method, Object... params) throws IOException, InterruptedException {
    ObjectNode request =
        JSON.createObjectNode().put("jsonrpc", "2.0").put("id", ++ids).put("method", method);
    request.set("params", JSON.valueToTree(params));
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(rpc)
                .timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(response.body());
    if (body.has("error")) {
      throw new IOException(method + " failed: " + body.get("error"));
    }
    return body.path("result");
  }

  /** The node's JSON-RPC endpoint, on 127.0.0.1. */
  public URI rpc() {
    return rpc;
  }

  /**
   * Mines {@code blocks} empty blocks at once (the Keeper's time locks and time outs count blocks).
   */
  void mine(int blocks) throws IOException, InterruptedException {
    call("anvil_mine", "0x" + Integer.toHexString(blocks));
  }

  /** Moves the chain's clock forward by {@code by} and mines a block that carries the new time. */
  void increaseTime(Duration by) throws IOException, InterruptedException {
    call("evm_increaseTime", by.toSeconds());
    call("evm_mine");
  }

  /** Sends a transaction from the first development account and returns its mined receipt. */
  JsonNode transact(String to, String data) throws IOException, InterruptedException {
    return transact(FIRST_ACCOUNT, to, data);
  }

  /**
   * Sends a transaction from {@code from} (one of anvil's unlocked development accounts) and
   * returns its receipt once mined: anvil can answer the hash before the block is sealed, so the
   * receipt can be null on the first ask.
   */
  JsonNode transact(String from, String to, String data) throws IOException, InterruptedException {
    // a fixed, generous gas limit: anvil's estimate falls short for some of the 0.5 contracts'
    // calls (approveTemplate reverts out of gas with it)
    ObjectNode tx =
        JSON.createObjectNode().put("from", from).put("data", data).put("gas", "0x989680");
    if (to != null) {
      tx.put("to", to);
    }
    String hash = call("eth_sendTransaction", tx).asText();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonNode receipt = call("eth_getTransactionReceipt", hash);
    while (receipt.isNull() || receipt.isMissingNode()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("transaction " + hash + " was not mined within 10 s");
      }
      Thread.sleep(20);
      receipt = call("eth_getTransactionReceipt", hash);
    }
    return receipt;
  }

  /** The number of the latest block. */
  long blockNumber() throws IOException, InterruptedException {
    return Long.decode(call("eth_blockNumber").asText());
  }

  @Override
  public void close() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
