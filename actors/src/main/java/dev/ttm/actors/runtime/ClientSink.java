package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Reply;
import org.apache.pekko.actor.typed.ActorRef;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Where replies to clients land. A client that is an actor registers its reply adapter ({@link #register}) and its
 * replies are plain {@code tell}s, the hot path; otherwise the reply completes the future asked for by request id
 * ({@link #expect}), on {@code executor}, never on the entity's own thread, so that nothing a caller chains onto it
 * runs inside an actor. Either way an entity hands a reply over without blocking. With {@code retain}, replies are
 * also kept by request id for a scenario runner to read.
 */
public final class ClientSink {
    private final Map<Long, CompletableFuture<Reply>> waiting = new ConcurrentHashMap<>();
    private final Map<Address.Client, ActorRef<Reply>> adapters = new ConcurrentHashMap<>();
    private final Map<Long, Reply> retained = new ConcurrentHashMap<>();
    private final Executor executor;
    private final boolean retain;

    public ClientSink(Executor executor, boolean retain) {
        this.executor = executor;
        this.retain = retain;
    }

    /** The future the reply to {@code requestId} completes; ask for it before the request is sent. */
    public CompletableFuture<Reply> expect(long requestId) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        if (waiting.putIfAbsent(requestId, f) != null) throw new IllegalStateException("request " + requestId + " awaited twice");
        return f;
    }

    /**
     * Every reply to {@code client} goes to {@code replyTo} (a client actor's message adapter), unless a future was
     * asked for its request id; until {@link #unregister}.
     */
    public void register(Address.Client client, ActorRef<Reply> replyTo) {
        ActorRef<Reply> before = adapters.putIfAbsent(client, replyTo);
        if (before != null && !before.equals(replyTo)) throw new IllegalStateException("client " + client + " registered twice");
    }

    public void unregister(Address.Client client) {
        adapters.remove(client);
    }

    void accept(Address.Client to, Reply r) {
        if (retain) retained.putIfAbsent(r.requestId(), r);
        ActorRef<Reply> adapter = adapters.get(to);
        CompletableFuture<Reply> f = adapter != null && waiting.isEmpty() ? null : waiting.remove(r.requestId());
        if (f != null) executor.execute(() -> f.complete(r));
        else if (adapter != null) adapter.tell(r);
    }

    /** Where futures the runtime hands out are completed (never on an entity's thread). */
    Executor executor() {
        return executor;
    }

    public Reply reply(long requestId) {
        return retained.get(requestId);
    }
}
