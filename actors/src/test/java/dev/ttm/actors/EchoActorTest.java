package dev.ttm.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Smoke test of the build: Pekko typed, the JUnit 5 test kit, log capturing, CBOR serialization, config. */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one ActorTestKit for the class, shut down after all
class EchoActorTest {

    record Ping(String text, ActorRef<Pong> replyTo) implements CborSerializable {}

    record Pong(String text) implements CborSerializable {}

    static Behavior<Ping> echo() {
        return Behaviors.receive(Ping.class)
                .onMessage(Ping.class, ping -> {
                    ping.replyTo().tell(new Pong(ping.text()));
                    return Behaviors.same();
                })
                .build();
    }

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().build();

    @Test
    void echoRepliesWithTheSameText() {
        ActorRef<Ping> echo = testKit.spawn(echo(), "echo");
        TestProbe<Pong> probe = testKit.createTestProbe(Pong.class);
        echo.tell(new Ping("hello", probe.ref()));
        assertEquals("hello", probe.expectMessageClass(Pong.class).text());
    }

    @Test
    void referenceConfDefaultsAreLoaded() {
        Config config = testKit.system().settings().config();
        assertEquals(4096L, config.getBytes("ttm.page-size"));
        assertEquals("simple", config.getString("ttm.driver"));
        assertEquals(false, config.getBoolean("pekko.actor.allow-java-serialization"));
        assertEquals("jackson-cbor",
                config.getString("pekko.actor.serialization-bindings.\"dev.ttm.actors.CborSerializable\""));
    }
}
