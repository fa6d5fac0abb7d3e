package io.c2d.ocean;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.model.Did;
import io.c2d.spi.publish.DerivedAsset;

/**
 * Writes the DDO of a derived asset in the shape of an Ocean v4 DDO, with its provenance, as {@link
 * OceanJson#writeDerivedDdo(DerivedAsset, Did, long)} documents it.
 *
 * <p>Stateless and thread-safe; equal arguments give equal text.
 */
final class DerivedDdoWriter {
  private DerivedDdoWriter() {}

  static String write(DerivedAsset asset, Did did, long chainId) {
    ObjectNode ddo = JsonText.newObject();
    ddo.putArray("@context").add("https://w3id.org/did/v1");
    ddo.put("id", did.value());
    ddo.put("version", "4.1.0");
    ddo.put("chainId", chainId);
    ObjectNode metadata = ddo.putObject("metadata");
    String finished = asset.finishedAt().toString();
    metadata.put("created", finished);
    metadata.put("updated", finished);
    metadata.put("type", "dataset");
    metadata.put("name", asset.name());
    metadata.put("description", "The outputs of compute job " + asset.jobId() + ".");
    metadata.put("author", asset.owner().value());
    metadata.put("license", "No License Specified");
    ObjectNode provenance = metadata.putObject("additionalInformation").putObject("provenance");
    provenance.put("jobId", asset.jobId().value());
    ArrayNode inputs = provenance.putArray("inputs");
    asset.inputs().forEach(input -> inputs.add(input.value()));
    ObjectNode algorithm = provenance.putObject("algorithm");
    algorithm.put("did", asset.algorithmDid() == null ? null : asset.algorithmDid().value());
    algorithm.put("image", asset.algorithmContainer().image());
    algorithm.put("tag", asset.algorithmContainer().tag());
    algorithm.put("checksum", asset.algorithmContainer().digest());
    provenance.put("environment", asset.environmentId());
    provenance.put("finishedAt", finished);
    ArrayNode outputs = provenance.putArray("outputs");
    for (DerivedAsset.Output output : asset.outputs()) {
      outputs
          .addObject()
          .put("name", output.result().name())
          .put("size", output.result().size())
          .put("sha256", output.sha256());
    }
    // no services: the provider adds its own
    ddo.putArray("services");
    return JsonText.write(ddo);
  }
}
