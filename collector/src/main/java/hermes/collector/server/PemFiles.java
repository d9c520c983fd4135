package hermes.collector.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * Reads PEM certificates and private keys with the JDK alone: PKCS#8 keys ({@code BEGIN PRIVATE
 * KEY}: RSA, EC, EdDSA) and PKCS#1 RSA keys ({@code BEGIN RSA PRIVATE KEY}, what {@code openssl
 * genrsa} and many older tools write), which are wrapped in a PKCS#8 envelope here instead of
 * pulling in BouncyCastle for one DER header. Encrypted keys are refused with a clear message.
 *
 * <p>Threading: stateless.
 */
final class PemFiles {
  private static final byte[] RSA_ALGORITHM_ID = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  private PemFiles() {}

  /** The certificates of a PEM file, in order; at least one. */
  static X509Certificate[] certificates(Path file) throws IOException, GeneralSecurityException {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(file)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (GeneralSecurityException e) {
      throw new GeneralSecurityException(file + ": not PEM certificates: " + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new GeneralSecurityException(file + ": no certificate in the file");
    }
    return certs.toArray(new X509Certificate[0]);
  }

  /** The private key of a PEM file (the first key block). */
  static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    for (String type : List.of("PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY")) {
      String begin = "-----BEGIN " + type + "-----";
      int b = pem.indexOf(begin);
      if (b < 0) {
        continue;
      }
      int e = pem.indexOf("-----END " + type + "-----", b);
      if (e < 0) {
        throw new GeneralSecurityException(file + ": no END line for " + begin);
      }
      if (type.startsWith("ENCRYPTED")) {
        throw new GeneralSecurityException(
            file + ": the private key is encrypted; give an unencrypted PKCS#8 or PKCS#1 key");
      }
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
      } catch (IllegalArgumentException ex) {
        throw new GeneralSecurityException(file + ": bad base64 in the key", ex);
      }
      if (type.equals("RSA PRIVATE KEY")) {
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8(der)));
      }
      for (String alg : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS")) {
        try {
          return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException ignored) {
          // try the next algorithm
        }
      }
      throw new GeneralSecurityException(file + ": not an RSA, EC or EdDSA PKCS#8 key");
    }
    throw new GeneralSecurityException(
        file
            + ": no private key (expected a PEM block BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY;"
            + " for an EC key convert with openssl pkcs8 -topk8 -nocrypt)");
  }

  /** PKCS#1 RSAPrivateKey DER wrapped as a PKCS#8 PrivateKeyInfo. */
  static byte[] pkcs8(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(pkcs1.length + 32);
    body.writeBytes(new byte[] {0x02, 0x01, 0x00}); // version 0
    body.writeBytes(RSA_ALGORITHM_ID);
    body.write(0x04); // OCTET STRING
    writeLength(body, pkcs1.length);
    body.writeBytes(pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 4);
    out.write(0x30); // SEQUENCE
    writeLength(out, body.size());
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static void writeLength(ByteArrayOutputStream out, int len) {
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len & 0xff);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write((len >> 8) & 0xff);
      out.write(len & 0xff);
    }
  }
}
