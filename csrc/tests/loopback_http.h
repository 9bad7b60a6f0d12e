/* A tiny keep-alive HTTP/1.1 server on 127.0.0.1 for the sender's C test and benchmark: a thread
 * per connection answers every POST with a small JSON-RPC result and an x-bundle-id header. */
#ifndef MEV_LOOPBACK_HTTP_H
#define MEV_LOOPBACK_HTTP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_fd;
static _Atomic int requests_seen;

/* Answers every request on one connection with a small JSON-RPC result, keeping it open. */
static void *serve_connection(void *arg)
{
    int c = (int)(intptr_t)arg;
    {
        char buf[65536];
        size_t have = 0;
        for (;;) {
            ssize_t n = read(c, buf + have, sizeof buf - 1 - have);
            if (n <= 0)
                break;
            have += (size_t)n;
            buf[have] = '\0';
            char *end = strstr(buf, "\r\n\r\n");
            if (end == NULL)
                continue;
            char *cl = strcasestr(buf, "Content-Length:");
            size_t body = cl ? (size_t)atol(cl + 15) : 0;
            size_t total = (size_t)(end + 4 - buf) + body;
            if (have < total)
                continue;
            const char *reply = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"ok\"}";
            char out[512]; /* one write: split writes meet Nagle and delayed ACKs */
            int ol = snprintf(out, sizeof out,
                              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                              "x-bundle-id: bundle-%d\r\nContent-Length: %zu\r\n\r\n%s",
                              ++requests_seen, strlen(reply), reply);
            if (write(c, out, (size_t)ol) < 0)
                break;
            memmove(buf, buf + total, have - total);
            have -= total;
        }
        close(c);
    }
    return NULL;
}

static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_t t;
        int c = accept(listen_fd, NULL, NULL);
        if (c < 0)
            return NULL;
        pthread_create(&t, NULL, serve_connection, (void *)(intptr_t)c);
        pthread_detach(t);
    }
}

/* Starts the server; returns its port. */
static int loopback_http_start(pthread_t *thread)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    bind(listen_fd, (struct sockaddr *)&a, sizeof a);
    listen(listen_fd, 64);
    getsockname(listen_fd, (struct sockaddr *)&a, &alen);
    pthread_create(thread, NULL, serve, NULL);
    return ntohs(a.sin_port);
}

static void loopback_http_stop(pthread_t thread)
{
    shutdown(listen_fd, SHUT_RDWR);
    close(listen_fd);
    pthread_join(thread, NULL);
}

#endif
