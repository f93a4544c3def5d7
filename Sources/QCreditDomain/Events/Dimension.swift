/// The quality dimension an event concerns (产品 / 工程 / 服务 / 环境 质量).
public enum Dimension: String, Sendable, CaseIterable, Codable {
    case product
    case engineering
    case service
    case environment
}
