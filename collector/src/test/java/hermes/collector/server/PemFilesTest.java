package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PKCS#8 and PKCS#1 keys made by openssl read to the same key; encrypted keys refused. */
class PemFilesTest {
  @TempDir Path dir;

  private void openssl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  @Test
  void pkcs1AndPkcs8ReadToTheSameKey() throws Exception {
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "k8.pem");
    openssl("rsa", "-in", "k8.pem", "-traditional", "-out", "k1.pem");
    assertThat(Files.readString(dir.resolve("k1.pem"))).contains("BEGIN RSA PRIVATE KEY");
    assertThat(Files.readString(dir.resolve("k8.pem"))).contains("BEGIN PRIVATE KEY");
    PrivateKey k8 = PemFiles.privateKey(dir.resolve("k8.pem"));
    PrivateKey k1 = PemFiles.privateKey(dir.resolve("k1.pem"));
    assertThat(k1.getAlgorithm()).isEqualTo("RSA");
    assertThat(k1.getEncoded()).isEqualTo(k8.getEncoded());
  }

  @Test
  void ecPkcs8KeysReadAndEncryptedKeysAreRefusedClearly() throws Exception {
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem");
    assertThat(PemFiles.privateKey(dir.resolve("ec.pem")).getAlgorithm()).isEqualTo("EC");
    openssl(
        "pkcs8",
        "-topk8",
        "-in",
        "ec.pem",
        "-passout",
        "pass:pw",
        "-v2",
        "aes-256-cbc",
        "-out",
        "enc.pem");
    assertThatThrownBy(() -> PemFiles.privateKey(dir.resolve("enc.pem")))
        .hasMessageContaining("encrypted");
    Files.writeString(dir.resolve("none.pem"), "hello\n");
    assertThatThrownBy(() -> PemFiles.privateKey(dir.resolve("none.pem")))
        .hasMessageContaining("no private key");
  }
}
