package io.c2d.server.assets;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.model.Did;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An asset directory read from the files of one directory on disk: each {@code <name>.json} holds
 * one DDO, and a sibling {@code <name>.files.json} the publisher's clear-text files of its
 * services:
 *
 * <pre>{@code
 * assets/
 *   sales.json            the dataset's DDO, exactly as published (v4, or v5)
 *   sales.files.json      {"compute": [{"type": "file", "path": "data/sales.csv"}]}
 *   aggregate.json        an algorithm's DDO
 *   aggregate.files.json  {"access": [{"type": "file", "path": "algorithms/aggregate.sh"}]}
 *   data/sales.csv
 *   algorithms/aggregate.sh
 * }</pre>
 *
 * <p>A files document is a JSON object: per service id, an array of Ocean file objects ({@code
 * url}, {@code ipfs}, {@code arweave}; c2d's {@code file} and {@code pvc}) or Ocean's decrypted
 * files object ({@code {"files": [...]}}). A {@code file} object's {@code path} is relative to the
 * directory and must stay inside it: an absolute path, a {@code ..} segment, or a symbolic link
 * that leads out of the directory is refused, and so is a DDO file that is such a link. The files
 * are kept apart from the DDO because the engine hands the DDO to the algorithm ({@code
 * /data/ddos}): the clear-text locations, which may carry credentials, must not travel with it.
 *
 * <p>Only the directory's own entries are read, not its subdirectories; names starting with a dot
 * are skipped, and so are files that do not end in {@code .json}. The directory is read when opened
 * and again on {@link #reload()}: a reload that finds a problem keeps the assets read before.
 *
 * <p>Thread-safe: lookups read an immutable snapshot; reloads are serialised.
 */
public final class AssetFolder implements AssetDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(AssetFolder.class);

  private final Path directory;
  private final Object reloadLock = new Object();
  private volatile Map<Did, PublishedAsset> assets;

  private AssetFolder(Path directory, Map<Did, PublishedAsset> assets) {
    this.directory = directory;
    this.assets = assets;
  }

  /**
   * Reads the directory.
   *
   * @throws ConfigurationException ({@link ErrorCode#CONFIGURATION_INVALID}) naming the directory,
   *     the file and the field if the directory cannot be read or holds an invalid DDO or files
   *     document, two DDOs with one DID, or a files document without its DDO; its cause, an {@link
   *     io.c2d.InvalidRequestException}, names the field alone
   */
  static AssetFolder open(Path directory) {
    requireNonNull(directory, "directory");
    Path root = FolderReader.root(directory);
    Map<Did, PublishedAsset> assets = FolderReader.read(root);
    LOG.info("asset directory {}: {} assets", root, assets.size());
    return new AssetFolder(root, assets);
  }

  @Override
  public Optional<PublishedAsset> find(Did did) {
    requireNonNull(did, "did");
    return Optional.ofNullable(assets.get(did));
  }

  /**
   * Reads the directory again and, if it is valid, serves what it holds now.
   *
   * @return how many assets it holds
   * @throws ConfigurationException as {@link AssetDirectory#fromDirectory(Path)}; the assets read
   *     before are kept
   */
  public int reload() {
    synchronized (reloadLock) {
      Map<Did, PublishedAsset> read = FolderReader.read(directory);
      assets = read;
      LOG.info("asset directory {}: reloaded, {} assets", directory, read.size());
      return read.size();
    }
  }

  /** The directory, as a real path (symbolic links resolved). */
  public Path directory() {
    return directory;
  }

  /** How many assets the directory holds. */
  public int size() {
    return assets.size();
  }

  @Override
  public String toString() {
    return "AssetFolder{directory=" + directory + ", assets=" + assets.size() + '}';
  }

  static ConfigurationException invalid(Path directory, String message, Throwable cause) {
    return new ConfigurationException(
        ErrorCode.CONFIGURATION_INVALID, "asset directory " + directory + ": " + message, cause);
  }
}
