/*
 * hello-server.c - the smallest embedding of the server core: POST /predict
 * answers a constant JSON, GET /health and GET /metrics the usual; SIGTERM
 * or SIGINT drains and exits 0. What the benchmark measures the core with
 * (no model, no JSON parsing), beside nginx returning the same constant.
 *
 *   hello-server [--bind ADDR] [--port N] [--threads N] [--token T]
 *                [--max-requests N]
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/http.h"

static struct http_server *server;

static void
on_signal(int sig)
{
    (void)sig;
    http_server_stop(server);
}

static void
predict(const struct http_request *req, struct http_response *res, void *arg)
{
    static const char answer[] = "{\"prediction\":1}";

    (void)req;
    (void)arg;
    http_response_write(res, answer, sizeof(answer) - 1);
}

static void
health(const struct http_request *req, struct http_response *res, void *arg)
{
    (void)req;
    (void)arg;
    http_response_write(res, "{\"status\": \"ok\"}", 16);
}

static void
metrics(const struct http_request *req, struct http_response *res, void *arg)
{
    struct http_stats st;

    (void)req;
    http_server_stats(arg, &st);
    http_response_content_type(res, "text/plain; version=0.0.4");
    http_stats_prometheus(&st, "hello", res);
}

static int
usage(void)
{
    fprintf(stderr, "usage: hello-server [--bind ADDR] [--port N] [--threads N] [--token T] "
                    "[--max-requests N]\n");
    return 2;
}

int
main(int argc, char **argv)
{
    struct http_config cfg;
    struct sigaction sa;
    char *cause = NULL;
    int i;

    http_config_init(&cfg);
    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!v)
            return usage();
        if (strcmp(argv[i], "--bind") == 0)
            cfg.bind = v;
        else if (strcmp(argv[i], "--port") == 0)
            cfg.port = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--threads") == 0)
            cfg.threads = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(argv[i], "--token") == 0)
            cfg.token = v;
        else if (strcmp(argv[i], "--max-requests") == 0)
            cfg.max_requests_per_connection = (unsigned)strtoul(v, NULL, 10);
        else
            return usage();
        i++;
    }
    server = http_server_new(&cfg, &cause);
    if (!server) {
        fprintf(stderr, "hello-server: %s\n", cause);
        free(cause);
        return 1;
    }
    if (http_server_route(server, "POST", "/predict", 0, predict, NULL, &cause) < 0 ||
        http_server_route(server, "GET", "/health", HTTP_ROUTE_PUBLIC, health, NULL, &cause) < 0 ||
        http_server_route(server, "GET", "/metrics", 0, metrics, server, &cause) < 0) {
        fprintf(stderr, "hello-server: %s\n", cause);
        free(cause);
        http_server_free(server);
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    fprintf(stderr, "hello-server: listening on port %u with %u threads\n",
            http_server_port(server), http_server_threads(server));
    if (http_server_run(server, &cause) < 0) {
        fprintf(stderr, "hello-server: %s\n", cause);
        free(cause);
        http_server_free(server);
        return 1;
    }
    http_server_free(server);
    return 0;
}
