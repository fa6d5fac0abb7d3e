package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Did;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The test chain itself: the Keeper deploys and real agreements move through their states. */
final class KeeperChainTest {
  private static AnvilNode node;
  private static KeeperChain chain;

  @BeforeAll
  static void deploy() throws IOException, InterruptedException {
    node = AnvilNode.start();
    chain = KeeperChain.deploy(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void anAgreementMovesFromCreatedToLockedToGranted() throws IOException, InterruptedException {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    KeeperChain.Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 0);
    assertThat(chain.conditionState(agreement.lockCondition())).isEqualTo(1);
    assertThat(chain.conditionState(agreement.computeCondition())).isEqualTo(1);

    chain.lockReward(agreement);
    assertThat(chain.conditionState(agreement.lockCondition())).isEqualTo(2);

    chain.fulfilCompute(agreement);
    assertThat(chain.conditionState(agreement.computeCondition())).isEqualTo(2);
  }

  @Test
  void aConditionPastItsTimeOutCanBeAborted() throws IOException, InterruptedException {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    KeeperChain.Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 2);

    node.mine(3);
    chain.abortCompute(agreement);

    assertThat(chain.conditionState(agreement.computeCondition())).isEqualTo(3);
  }
}
