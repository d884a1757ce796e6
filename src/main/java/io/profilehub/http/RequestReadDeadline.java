package io.profilehub.http;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A request must arrive whole within {@code profilehub.http.request-read-timeout} of its first byte, or the
 * connection is answered 408 and closed. Netty's idle handling only sees silence, so a client trickling a byte every
 * few seconds could otherwise hold a connection (and its buffers) for as long as it liked.
 *
 * <p>The other way round, {@code micronaut.server.idle-timeout} is for connections that wait for a request, not for
 * requests the service is still working on: Micronaut closes a connection without traffic for that long even while
 * its request runs, so a request cut off by the 30 s statement timeout (whose 503 was on its way) reached the client
 * as a closed connection. While a request has been read and not yet answered, the idle event is held back here.
 */
@Singleton
@Requires(beans = NettyServerCustomizer.Registry.class)
public class RequestReadDeadline implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

    @ConfigurationProperties("profilehub.http")
    public record Settings(@Bindable(defaultValue = "15s") Duration requestReadTimeout) {
        public Settings {
            if (requestReadTimeout.isNegative() || requestReadTimeout.isZero()) {
                throw new IllegalArgumentException("profilehub.http.request-read-timeout must be positive");
            }
        }
    }

    private static final byte[] TIMEOUT = response();

    private final Settings settings;

    public RequestReadDeadline(Settings settings) {
        this.settings = settings;
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        event.getBean().register(new Customizer(null));
        return event.getBean();
    }

    private final class Customizer implements NettyServerCustomizer {
        private final Channel channel;

        Customizer(Channel channel) {
            this.channel = channel;
        }

        @Override
        public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
            return new Customizer(channel);
        }

        @Override
        public void onStreamPipelineBuilt() {
            ChannelPipeline pipeline = channel.pipeline();
            if (pipeline.get(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC) == null) {
                return; // HTTP/2 streams: not served here (no TLS, no h2c configured)
            }
            Deadline deadline = new Deadline(settings.requestReadTimeout().toMillis());
            pipeline.addBefore(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC, "request-read-deadline", deadline);
            pipeline.addAfter(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC, "request-read-complete",
                    deadline.completion());
        }
    }

    /**
     * Starts the clock on the first bytes of a request; the decoded end of the request stops it. Counts the requests
     * read and not yet answered, and holds back the idle event while there are any.
     */
    private static final class Deadline extends ChannelDuplexHandler {
        private final long millis;
        private ScheduledFuture<?> pending;
        private int unanswered;

        Deadline(long millis) {
            this.millis = millis;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (pending == null && msg instanceof ByteBuf buf && buf.isReadable()) {
                pending = ctx.executor().schedule(() -> expire(ctx), millis, TimeUnit.MILLISECONDS);
            }
            super.channelRead(ctx, msg);
        }

        private void expire(ChannelHandlerContext ctx) {
            pending = null;
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent && unanswered > 0) {
                return; // a request is being worked on: its answer, not the idle timeout, ends this wait
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            stop();
            super.channelInactive(ctx);
        }

        void stop() {
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }

        ChannelDuplexHandler completion() {
            return new ChannelDuplexHandler() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                    if (msg instanceof HttpRequest) {
                        unanswered++;
                    }
                    if (msg instanceof LastHttpContent) {
                        stop();
                    }
                    super.channelRead(ctx, msg);
                }

                @Override
                public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
                    boolean interim = msg instanceof HttpResponse r
                            && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
                    if (msg instanceof LastHttpContent && !interim && unanswered > 0) {
                        unanswered--;
                    }
                    super.write(ctx, msg, promise);
                }
            };
        }
    }

    private static byte[] response() {
        String body = "{\"type\":\"https://profilehub.io/problems/request-timeout\",\"title\":\"Request Timeout\","
                + "\"status\":408,\"detail\":\"The request did not arrive whole in time; the connection is closed.\","
                + "\"message\":\"The request did not arrive whole in time; the connection is closed.\","
                + "\"moreInfo\":\"https://profilehub.io/problems/request-timeout\"}";
        return ("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/problem+json\r\nConnection: close\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }
}
