/**
 * Places of China by name (provinces, autonomous regions, the large cities) and the two national bodies: a
 * question that names one the corpus does not hold is recognised as asking about a place that is not held
 * (understand/query.ts unknownPlaceIn), never answered with another place's figure.
 */
export const KNOWN_PLACES: readonly string[] =
  "北京 上海 天津 重庆 广州 深圳 杭州 南京 武汉 成都 西安 郑州 济南 青岛 大连 厦门 福州 泉州 莆田 长沙 沈阳 哈尔滨 长春 石家庄 太原 呼和浩特 合肥 南昌 南宁 海口 贵阳 昆明 拉萨 兰州 西宁 银川 乌鲁木齐 苏州 无锡 常州 宁波 温州 淮安 宿迁 徐州 扬州 攀枝花 福建 江苏 浙江 广东 四川 辽宁 湖南 湖北 河南 河北 山东 山西 陕西 甘肃 云南 贵州 广西 海南 江西 安徽 吉林 黑龙江 内蒙古 新疆 西藏 青海 宁夏 香港 澳门 台湾 全国 国务院".split(
    " ",
  );
