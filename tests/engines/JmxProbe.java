// Engine-suite probe (run as a single-file program with Java 25): connects to a JMX RMI registry
// on 127.0.0.1 the way a JMX client (the Prometheus JMX exporter) does, and prints, as one JSON
// object, how many MBeans each ObjectName pattern given matches (MBeanServerConnection.queryNames).
//   java JmxProbe.java <registry port> <pattern>...
import java.util.StringJoiner;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

public class JmxProbe {
    public static void main(String[] args) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + args[0] + "/jmxrmi");
        try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            StringJoiner out = new StringJoiner(",", "{", "}");
            for (int i = 1; i < args.length; i++) {
                out.add("\"" + args[i].replace("\"", "\\\"") + "\":" + server.queryNames(new ObjectName(args[i]), null).size());
            }
            System.out.println(out);
        }
    }
}
