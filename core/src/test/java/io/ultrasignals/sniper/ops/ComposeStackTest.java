package io.ultrasignals.sniper.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * ops/compose.yaml cannot run here (no Docker engine), so this checks what ties its parts together:
 * every mounted file exists, each service's config path lands on a mounted file, Prometheus shares the
 * host's network (its target is the agent's 127.0.0.1:9464) and Grafana finds Prometheus and the dashboard.
 */
@Tag("unit")
class ComposeStackTest {
    private static final Path OPS = RepoRoot.resolve("ops");

    private final Map<String, Object> compose = yaml(OPS.resolve("compose.yaml"));

    @Test
    @SuppressWarnings("unchecked")
    void everyBindMountExistsAndEveryNamedVolumeIsDeclared() {
        Map<String, Object> declared = (Map<String, Object>) compose.get("volumes");
        for (String service : services().keySet()) {
            for (String volume : volumes(service)) {
                String source = volume.split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertThat(OPS.resolve(source).normalize()).as("%s mounts %s", service, volume).exists();
                } else {
                    assertThat(declared).as("%s uses named volume %s", service, source).containsKey(source);
                }
            }
        }
    }

    @Test
    void redisRunsTheShippedConfigWithRedis7() {
        List<String> command = command("redis");
        assertThat(command.get(0)).isEqualTo("redis-server");
        assertThat(hostPath("redis", command.get(1))).isEqualTo(OPS.resolve("redis/redis.conf").normalize());
        assertThat(image("redis")).startsWith("redis:7");
    }

    @Test
    void prometheusRunsTheShippedConfigOnTheHostNetwork() {
        String configFile = flag("prometheus", "--config.file");
        assertThat(hostPath("prometheus", configFile)).isEqualTo(OPS.resolve("prometheus/prometheus.yml").normalize());
        // prometheus.yml scrapes 127.0.0.1:9464; in a network of its own that would be the container itself.
        for (String service : services().keySet()) {
            assertThat(service(service).get("network_mode")).as("network_mode of %s", service).isEqualTo("host");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void grafanaIsProvisionedWithThisPrometheusAndTheDashboard() {
        Path provisioning = hostPath("grafana", "/etc/grafana/provisioning");
        Map<String, Object> datasources = yaml(provisioning.resolve("datasources/prometheus.yml"));
        Map<String, Object> datasource = ((List<Map<String, Object>>) datasources.get("datasources")).get(0);
        assertThat(datasource.get("type")).isEqualTo("prometheus");
        assertThat(datasource.get("url")).isEqualTo("http://" + flag("prometheus", "--web.listen-address"));

        Map<String, Object> dashboards = yaml(provisioning.resolve("dashboards/sniper.yml"));
        Map<String, Object> provider = ((List<Map<String, Object>>) dashboards.get("providers")).get(0);
        String dashboardDir = (String) ((Map<String, Object>) provider.get("options")).get("path");
        assertThat(hostPath("grafana", dashboardDir).resolve("sniper-mode-dashboard.json"))
                .isEqualTo(RepoRoot.resolve(DashboardExpressions.FILE));
    }

    /** The host file or directory a container path of {@code service} comes from, through its bind mounts. */
    private Path hostPath(String service, String containerPath) {
        for (String volume : volumes(service)) {
            String[] parts = volume.split(":");
            String source = parts[0];
            String target = parts[1];
            if ((source.startsWith(".") || source.startsWith("/"))
                    && (containerPath.equals(target) || containerPath.startsWith(target + "/"))) {
                Path host = OPS.resolve(source).resolve(containerPath.substring(target.length()).replaceFirst("^/", ""));
                assertThat(host).as("%s's %s on the host", service, containerPath).exists();
                return host.normalize();
            }
        }
        throw new AssertionError(service + " mounts nothing at " + containerPath + "; volumes: " + volumes(service));
    }

    private String flag(String service, String name) {
        Optional<String> value = command(service).stream().filter(a -> a.startsWith(name + "="))
                .map(a -> a.substring(name.length() + 1)).findFirst();
        return value.orElseThrow(() -> new AssertionError(service + " has no " + name + "= in " + command(service)));
    }

    @SuppressWarnings("unchecked")
    private List<String> command(String service) {
        return (List<String>) service(service).get("command");
    }

    @SuppressWarnings("unchecked")
    private List<String> volumes(String service) {
        return (List<String>) service(service).getOrDefault("volumes", List.of());
    }

    private String image(String service) {
        return (String) service(service).get("image");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> service(String name) {
        Map<String, Object> service = (Map<String, Object>) services().get(name);
        assertThat(service).as("service %s in compose.yaml", name).isNotNull();
        return service;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> services() {
        return (Map<String, Object>) compose.get("services");
    }

    private static Map<String, Object> yaml(Path file) {
        try (Reader in = Files.newBufferedReader(file)) {
            return new Yaml().load(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file, e);
        }
    }
}
